"""French: the message catalogue. Keys missing here fall back to English."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "yes": "oui",
    "no": "non",
    "error.generic": "Désolé, un problème est survenu de notre côté. Rien n’a été facturé. (réf. {ref})",
    "error.unknown_command": "Commande inconnue /{name}. Commandes : {known}. Tapez /help pour savoir comment les "
                             "utiliser.",
    "error.unknown_subcommand": "Action « {name} » inconnue pour /{command}. Utilisez l’une de celles-ci : {allowed}.",
    "error.missing_argument": "Il manque un élément à /{command} : {what}. Utilisation : {usage}",
    "error.unknown_option": "Option {option} inconnue pour /{command}. Options autorisées : {allowed}.",
    "error.bad_duration": "« {value} » n’est pas une durée. Utilisez l’une de celles-ci : {allowed} (secondes).",
    "error.bad_syntax": "Impossible de lire cette commande : {detail}. Utilisation : {usage}",
    "error.not_in_dm": "/{command} ne fonctionne que dans un serveur ou un groupe, pas en message privé.",
    "auth.admin_only": "Seuls les administrateurs de ce serveur peuvent utiliser {command} (permission Gérer le "
                       "serveur, rôle d’administrateur ou propriétaire du bot).",
    "why.pin": "épinglé par les admins",
    "why.canary": "canari",
    "why.default": "par défaut du déploiement",
    "snapshot.unknown": "Snapshot « {id} » inconnu. Snapshots connus : {known}.",
    "snapshot.retired": "Le snapshot {id} a été retiré le {date} et ne peut plus créer de vidéos. Son successeur est "
                        "{successor} : un administrateur peut faire /snapshot pin {successor}.",
    "snapshot.duration_unsupported": "{seconds} s n’est pas disponible sur {id} : il permet {allowed} (au maximum "
                                     "{max} s). Choisissez l’une de ces durées, ou un administrateur peut épingler un "
                                     "snapshot qui permet {seconds} s : {alternatives}.",
    "snapshot.storyboard_unsupported": "Les storyboards ne sont pas disponibles sur {id}. Un administrateur peut "
                                       "épingler un snapshot qui les prend en charge : {alternatives}.",
    "snapshot.characters_unsupported": "Les personnages (@nom) ne sont pas disponibles sur {id}. Retirez la @mention, "
                                       "ou un administrateur peut épingler un snapshot qui les prend en charge : "
                                       "{alternatives}.",
    "snapshot.list_header": "Snapshots (◀ = en vigueur ici) :",
    "snapshot.list_line": "• {id} [{label}] — durées {durations} s — {flags}{marker}",
    "snapshot.alias_line": "• {alias} → {target} (alias, résolu à l’envoi d’une tâche)",
    "snapshot.flag_storyboard": "storyboard",
    "snapshot.flag_characters": "personnages",
    "snapshot.flag_retired": "RETIRÉ (successeur {successor})",
    "snapshot.flag_retires": "retrait le {date}",
    "snapshot.show": "En vigueur : {id} ({why}).\n"
                     "Durées : {durations}. Storyboard : {storyboard}. Personnages : {characters}.\n"
                     "Par défaut du déploiement ({environment}) : {default}.",
    "snapshot.show_canary": "Canari : {percent} % des tâches vont à {id}.",
    "snapshot.notice_retired": "⚠ {id} est retiré ; les tâches qui l’utilisent sont refusées. Épinglez son successeur "
                               "{successor}.",
    "snapshot.notice_retiring": "⚠ {id} sera retiré le {date}. Pensez à épingler son successeur {successor} d’ici là.",
    "snapshot.pinned": "{id} épinglé (avant : {before}). Durées : {durations}.",
    "snapshot.already_pinned": "{id} est déjà épinglé ici.",
    "snapshot.not_pinned": "Aucun snapshot n’est épinglé ici ; celui par défaut du déploiement ({default}) est en "
                           "vigueur.",
    "snapshot.unpinned": "{before} désépinglé. En vigueur désormais : {after} (par défaut du déploiement).",
    "snapshot.bad_percent": "« {value} » n’est pas un pourcentage. Utilisez un nombre entier de 0 à 100 (0 met fin au "
                            "canari).",
    "snapshot.no_canary": "Aucun canari n’est en cours ici.",
    "snapshot.canary_same": "{id} est déjà le snapshot en vigueur ; un canari en demande un autre.",
    "snapshot.canary_on": "Canari lancé : {percent} % des tâches vont à {id}, les autres restent sur {base}.",
    "snapshot.canary_off": "Canari de {id} terminé ; toutes les tâches utilisent le snapshot en vigueur.",
    "snapshot.nothing_to_rollback": "Rien à annuler : aucun canari n’est en cours et il n’y a pas d’épinglage "
                                    "précédent.",
    "snapshot.rolled_back": "Retour en arrière ({detail}) : {before} → {after}.",
    "snapshot.history_empty": "Aucun changement de snapshot pour l’instant.",
    "snapshot.history_header": "Historique des snapshots (du plus récent au plus ancien) :",
    "snapshot.history_line": "• {at} — {who} : {action} {before} → {after}{detail}",
    "provider.none_for_snapshot": "Aucun fournisseur vidéo configuré ne propose {snapshot} pour le moment. Un "
                                  "administrateur peut épingler un autre snapshot (/snapshot list).",
    "provider.none_for_duration": "Aucun fournisseur vidéo ne peut créer {seconds} s sur {snapshot}. Disponibles : "
                                  "{allowed}.",
    "provider.none_for_storyboard": "Aucun fournisseur vidéo proposant {snapshot} n’accepte les storyboards.",
    "provider.none_for_characters": "Les personnages de ce prompt ne sont pas tous détenus par un même fournisseur "
                                    "vidéo qui propose {snapshot}. Utilisez des personnages enregistrés chez le même "
                                    "fournisseur.",
    "sora.empty_prompt": "Décrivez la vidéo : /sora a besoin d’un prompt, par ex. /sora un chat roux fait la sieste "
                         "au soleil.",
    "sora.prompt_too_long": "Le prompt fait {length} caractères ; la limite est de {limit}. Merci de le raccourcir.",
    "sora.bad_size": "Format « {value} » inconnu. Utilisez l’un de ceux-ci : {allowed}.",
    "sora.too_many_active": "Vous avez déjà {limit} vidéo(s) en cours, le maximum autorisé en même temps. Attendez "
                            "qu’une vidéo se termine ou annulez-en une en file d’attente (/jobs).",
    "sora.scope_busy": "Ce serveur a déjà {limit} vidéos en cours, le maximum autorisé en même temps. Réessayez dans "
                       "quelques minutes.",
    "sora.pick_duration": "Quelle durée pour « {prompt} » ?",
    "status.queued": "🎬 En file d’attente — position {position}\n"
                     "« {prompt} »\n"
                     "Snapshot {snapshot} ({why}) · {seconds} s · {credits} crédits réservés\n"
                     "Tâche {id}",
    "status.submitting": "📤 Envoi au service vidéo…\n"
                         "« {prompt} »\n"
                         "Snapshot {snapshot} ({why}) · {seconds} s · {credits} crédits réservés\n"
                         "Tâche {id}",
    "status.running": "⏳ Génération {bar} {percent} %\n"
                      "« {prompt} »\n"
                      "Snapshot {snapshot} ({why}) · {seconds} s · {credits} crédits réservés\n"
                      "Tâche {id}",
    "status.delivering": "📦 Finalisation et envoi…\n« {prompt} »\nSnapshot {snapshot} · {seconds} s\nTâche {id}",
    "status.delivered": "✅ Terminé — {seconds} s sur {snapshot}, {credits} crédits dépensés.\n"
                        "« {prompt} »\n"
                        "Tâche {id}",
    "status.cancelled": "🚫 Annulé — {credits} crédits rendus.\n« {prompt} »\nTâche {id}",
    "status.failed": "❌ Échec : {reason}\nAucun crédit n’a été dépensé ({credits} rendus).\n« {prompt} »\nTâche {id}",
    "caption": "« {prompt} »\n{snapshot} · {seconds} s · {credits} crédits · tâche {id}",
    "reason.moderation": "le service vidéo a refusé ce prompt en vertu de sa politique de contenu. Essayez de le "
                         "reformuler.",
    "reason.invalid_request": "le service vidéo a rejeté la requête comme invalide.",
    "reason.rate_limited": "le service vidéo limite nos requêtes. Réessayez dans quelques minutes.",
    "reason.unavailable": "le service vidéo est indisponible pour le moment. Réessayez plus tard.",
    "provider.all_out_of_rotation": "Les services vidéo capables de faire ceci échouent en ce moment et sont en "
                                      "pause pour environ {minutes} min. Rien n’a été débité ; réessayez ensuite.",
    "reason.expired": "la vidéo terminée a expiré sur le service vidéo avant d’avoir pu être récupérée.",
    "reason.generation_failed": "le service vidéo n’a pas pu créer cette vidéo.",
    "reason.deadline": "le service vidéo n’a pas terminé à temps.",
    "reason.cancelled": "annulée.",
    "reason.submit_interrupted": "le bot a redémarré pendant l’envoi de cette tâche ; elle a été arrêtée pour ne pas "
                                 "risquer de payer deux fois. Appuyez sur Refaire pour réessayer.",
    "reason.character_unavailable": "le service vidéo qui détient un personnage de ce prompt est indisponible pour le "
                                    "moment ; la vidéo n’a donc pas été créée, plutôt que d’omettre le personnage. "
                                    "Réessayez plus tard.",
    "reason.delivery_failed": "la vidéo n’a pas pu être publiée ici (trop volumineuse ou permissions manquantes).",
    "reason.internal": "une erreur interne.",
    "button.cancel": "Annuler",
    "button.again": "Refaire",
    "button.remix": "Remix",
    "button.save_character": "Créer un personnage",
    "state.queued": "en file d’attente",
    "state.submitting": "envoi en cours",
    "state.running": "génération en cours",
    "state.delivering": "livraison en cours",
    "state.delivered": "livrée",
    "state.failed": "échouée",
    "state.cancelled": "annulée",
    "job.not_found": "Aucune tâche {id} sur ce serveur.",
    "job.not_yours": "La tâche {id} appartient à quelqu’un d’autre ; seule cette personne ou un administrateur peut "
                     "la modifier.",
    "job.cannot_cancel": "La tâche {id} est à l’état « {state} » et ne peut plus être annulée (seules les tâches en "
                         "file d’attente peuvent l’être).",
    "job.cancelled": "Tâche {id} annulée ; {credits} crédits rendus.",
    "jobs.none": "Vous n’avez encore aucune tâche ici. Essayez /sora.",
    "jobs.header": "Vos dernières tâches ({count}) :",
    "jobs.line": "• {id} — {state}{extra} — {seconds} s sur {snapshot}, {credits} cr — {when} — « {prompt} »",
    "period.day": "jour",
    "period.week": "semaine",
    "period.month": "mois",
    "quota.me": "Période en cours ({period}) : {used} crédits utilisés, {held} réservés par des tâches en cours, "
                "{left} restants sur {allowance}.\n"
                "Réinitialisation le {resets}. (10 s = 1 crédit, 15 s = 1.5, 20 s = 2, 25 s = 2.5)",
    "quota.exhausted": "Crédits insuffisants : cette vidéo coûte {cost} et il vous reste {left} sur {allowance} pour "
                       "cette période. Vos crédits seront réinitialisés le {resets}.",
    "quota.bad_amount": "« {value} » n’est pas un montant de crédits. Utilisez un nombre ≥ 0 avec au plus une "
                        "décimale, par ex. 10 ou 2.5.",
    "quota.bad_period": "« {value} » n’est pas une période. Utilisez l’une de celles-ci : {allowed}.",
    "quota.member_set": "{user} peut désormais dépenser {credits} crédits par période.",
    "quota.member_cleared": "{user} a désormais l’allocation par défaut du serveur.",
    "quota.role_set": "Les membres ayant le rôle {role} peuvent dépenser {credits} crédits par période (leur réglage "
                      "individuel prime).",
    "quota.default_set": "Chaque membre peut désormais dépenser {credits} crédits par période, sauf réglage contraire.",
    "quota.period_set": "Les allocations sont désormais réinitialisées chaque {period} (UTC).",
    "quota.usage_header": "Consommation de la période ({period}, {start} – {end}, allocation par défaut {default}) :",
    "quota.usage_none": "Aucun crédit dépensé pour l’instant sur cette période.",
    "quota.usage_line": "• {user} : {used} utilisés, {held} réservés, allocation {allowance}, {jobs} vidéo(s), ≈ "
                        "{usd} $",
    "quota.usage_total": "Total : {used} crédits utilisés, {held} réservés, {jobs} vidéo(s), ≈ {usd} $.",
    "character.bad_name": "« {name} » ne peut pas être un nom de personnage : utilisez 2 à 32 lettres, chiffres ou _ "
                          "(pas uniquement des chiffres).",
    "character.reserved_name": "« {name} » est réservé et ne peut pas être un nom de personnage.",
    "character.unknown": "Il n’y a pas de personnage @{name} ici. Vouliez-vous dire {close} ? (/character list)",
    "character.unknown_no_close": "Il n’y a pas de personnage @{name} ici. Consultez /character list, ou ajoutez-en "
                                  "un avec /character add.",
    "character.exists": "Un personnage nommé @{name} existe déjà ici. Choisissez un autre nom.",
    "character.not_a_video": "Ce fichier n’est pas une vidéo que je peux lire. Utilisez une vidéo MP4 ou MOV.",
    "character.provider_failed": "Le service vidéo n’a pas pu créer @{name} ({reason}). Rien n’a été enregistré.",
    "character.not_owner": "@{name} appartient à {owner} ; seule cette personne ou un administrateur peut le "
                           "supprimer.",
    "character.job_not_ready": "La tâche {id} n’a pas de vidéo terminée à partir de laquelle créer un personnage.",
    "character.added": "@{name} enregistré. Mettez @{name} dans un prompt /sora pour l’utiliser.",
    "character.none": "Aucun personnage ici pour l’instant. Ajoutez-en un avec /character add.",
    "character.list_header": "Personnages ({count}) :",
    "character.list_line": "• @{name} — {description} (par {owner})",
    "character.info": "@{name}\n"
                      "{description}\n"
                      "Créé par {owner} le {created}, à partir de {source}. Détenu par : {providers}.",
    "character.removed": "@{name} supprimé.",
    "character.need_source": "Donnez une vidéo au personnage : joignez-en une, répondez à une vidéo, indiquez une URL "
                             "https ou from_job:<job id>.",
    "character_url.not_https": "Seuls les liens https:// peuvent servir pour les personnages ({url}).",
    "character_url.bad_url": "Ce lien ne semble pas valide : {url}",
    "character_url.private_address": "Ce lien pointe vers une adresse privée ou locale, ce qui n’est pas autorisé "
                                     "({url}).",
    "character_url.resolve_failed": "Impossible de trouver le serveur de ce lien ({url}).",
    "character_url.too_many_redirects": "Ce lien redirige trop de fois ({url}).",
    "character_url.http_status": "Le lien a répondu HTTP {status} ({url}).",
    "character_url.too_large": "Cette vidéo dépasse les {limit_mb} Mo autorisés ({url}).",
    "character_url.bad_type": "Ce lien n’est pas une vidéo (type {content_type}) ({url}).",
    "character_url.timeout": "Le téléchargement de ce lien a pris trop de temps ({url}).",
    "character_url.connection": "Impossible de se connecter au serveur de ce lien ({url}).",
    "help.member": "sorabot crée de courtes vidéos par IA.\n"
                   "• /sora <prompt> [duration 10|15|20|25] [size landscape|portrait] — crée une vidéo (10 s = 1 "
                   "crédit, 15 s = 1.5, 20 s = 2, 25 s = 2.5). Mettez @nom dans le prompt pour utiliser un "
                   "personnage.\n"
                   "• /sora storyboard 0-5: <scène>; 5-10: <scène> — une vidéo racontée en scènes minutées (une par "
                   "ligne ou séparées par ;) ; elle coûte sa durée totale\n"
                   "• /quota — vos crédits pour cette période\n"
                   "• /jobs — vos tâches récentes (celles en file d’attente peuvent être annulées)\n"
                   "• /character add <nom> (une vidéo, une URL https ou from_job:<id>) · /character list · /character "
                   "info <nom> · /character remove <nom> (les vôtres)\n"
                   "• /snapshot list · /snapshot show — quelle version du modèle crée vos vidéos",
    "help.admin": "Admins :\n"
                  "• /snapshot pin <id> · unpin · canary <id> <pourcentage> · rollback · history\n"
                  "• /quota set <membre> <crédits|default> · default <crédits> · period day|week|month · usage\n"
                  "• /provider status · priority cost|stability — l’état des fournisseurs vidéo, et lequel passe en "
                  "premier\n"
                  "• /character remove <nom> (n’importe quel personnage)",
    "telegram.cmd.sora": "Créer une vidéo : /sora 15 un chat roux fait la sieste",
    "telegram.cmd.jobs": "Vos vidéos récentes (annulables si en file d’attente)",
    "telegram.cmd.quota": "Vos crédits de la période",
    "telegram.cmd.quota_admin": "Crédits : les vôtres, ou les allocations (set, default, period, usage)",
    "telegram.cmd.character": "Personnages : add (répondre à une vidéo), list, info, remove",
    "telegram.cmd.snapshot": "Version du modèle qui crée les vidéos ici (list, show)",
    "telegram.cmd.snapshot_admin": "Version du modèle : list, show, pin, unpin, canary, rollback, history",
    "telegram.cmd.help": "Mode d’emploi",
    "telegram.cmd.storyboard": "Plusieurs scènes dans une vidéo : une « 0-5: lever du soleil » par ligne",
    "telegram.cmd.provider_admin": "Services vidéo : status, priority cost|stability",
    "telegram.cmd.start": "Ce que fait ce bot",
    "telegram.duration_button": "{seconds} s · {credits} cr",
    "telegram.pick_duration_snapshot": "Snapshot {snapshot} ({why}). 10 s = 1 crédit.",
    "telegram.pick_expired": "Ce choix a expiré. Renvoyez la commande.",
    "telegram.not_your_choice": "Seule la personne qui a fait la demande peut choisir ici.",
    "telegram.starting": "Lancement d’une vidéo de {seconds} s…",
    "telegram.remix_ask": "{user}, répondez à ce message avec le nouveau prompt pour un remix de la tâche {id}.",
    "telegram.save_ask": "{user}, répondez à ce message avec un nom pour le personnage issu de la tâche {id} (2 à 32 "
                         "lettres, chiffres ou _), suivi éventuellement d’une description.",
    "telegram.remix_placeholder": "Nouveau prompt",
    "telegram.save_placeholder": "nom et description",
    "telegram.ask_expired": "Cette question a expiré. Appuyez à nouveau sur le bouton sous la vidéo.",
    "telegram.file_too_big": "Cette vidéo fait {size_mb} Mo, mais les bots ne peuvent télécharger depuis Telegram que "
                             "des fichiers de {limit_mb} Mo maximum. Envoyez une vidéo plus courte ou plus légère, ou "
                             "donnez un lien https : /character add <nom> <url>.",
    "telegram.auth.admin_only": "Seuls les admins peuvent utiliser {command} ici : le créateur et les administrateurs "
                                "du groupe (y compris en publiant anonymement), ou un propriétaire du bot.",
    "telegram.job.not_found": "Aucune tâche {id} dans cette discussion.",
    "telegram.sora.scope_busy": "Cette discussion a déjà {limit} vidéos en cours, le maximum autorisé en même temps. "
                                "Réessayez dans quelques minutes.",
    "discord.cmd.sora": "Créer une courte vidéo IA (@nom dans le prompt pour un personnage)",
    "discord.cmd.jobs": "Vos vidéos récentes ici (annulables si en file d’attente)",
    "discord.cmd.credits": "Crédits restants sur la période",
    "discord.cmd.help": "Comment utiliser sorabot",
    "discord.grp.snapshot": "Snapshot du modèle qui crée les vidéos du serveur (admins)",
    "discord.cmd.snapshot_list": "Tous les snapshots et celui en vigueur ici",
    "discord.cmd.snapshot_show": "Le snapshot en vigueur ici, et pourquoi",
    "discord.cmd.snapshot_pin": "Épingler un snapshot ici",
    "discord.cmd.snapshot_unpin": "Revenir au snapshot par défaut",
    "discord.cmd.snapshot_canary": "Envoyer une part des tâches à un autre snapshot (0 = arrêt)",
    "discord.cmd.snapshot_rollback": "Annuler le dernier épinglage/canari",
    "discord.cmd.snapshot_history": "Qui a changé le snapshot, et quand",
    "discord.grp.quota": "Allocations de crédits des membres du serveur (admins)",
    "discord.cmd.quota_set": "Allocation par période d’un membre",
    "discord.cmd.quota_role": "Allocation des membres ayant un rôle",
    "discord.cmd.quota_default": "Allocation par défaut de chaque membre par période",
    "discord.cmd.quota_period": "Fréquence de réinitialisation (UTC)",
    "discord.cmd.quota_usage": "Crédits utilisés par membre (période)",
    "discord.grp.character": "Personnages de la communauté à mettre en vidéo avec @nom",
    "discord.cmd.character_add": "Enregistrer un personnage (vidéo, lien https ou tâche)",
    "discord.cmd.character_list": "Les personnages de ce serveur",
    "discord.cmd.character_info": "Fiche d’un personnage",
    "discord.cmd.character_remove": "Retirer un personnage (le vôtre ; admins : tous)",
    "discord.opt.prompt": "Ce que montre la vidéo",
    "discord.opt.duration": "Durée (10 s = 1 crédit)",
    "discord.opt.size": "Paysage ou portrait",
    "discord.opt.snapshot_id": "ID de snapshot (ou alias)",
    "discord.opt.percent": "Part des tâches pour le canari, 0–100 (0 = arrêt)",
    "discord.opt.member": "Le membre",
    "discord.opt.amount_member": "Crédits par période, ex. 10 ou 2.5, ou « default »",
    "discord.opt.role": "Le rôle",
    "discord.opt.amount": "Crédits par période, ex. 10 ou 2.5",
    "discord.opt.period": "Jour, semaine ou mois",
    "discord.opt.character_name": "2–32 lettres, chiffres ou _",
    "discord.opt.video": "Une vidéo du personnage (MP4 ou MOV)",
    "discord.opt.url": "…ou le lien https d’une vidéo",
    "discord.opt.from_job": "…ou l’ID d’une tâche terminée de ce serveur",
    "discord.opt.description": "Ce qu’est le personnage",
    "discord.opt.character_pick": "Le personnage",
    "discord.choice.duration_one": "{seconds} s · 1 crédit",
    "discord.choice.duration": "{seconds} s · {credits} crédits",
    "discord.choice.landscape": "Paysage (1280×720)",
    "discord.choice.portrait": "Portrait (720×1280)",
    "discord.help.member": "sorabot crée de courtes vidéos par IA.\n"
                           "• /sora prompt [duration] [size] — crée une vidéo (10 s = 1 crédit, 15 s = 1.5, 20 s = 2, "
                           "25 s = 2.5). Mettez @nom dans le prompt pour utiliser un personnage.\n"
                           "• /credits — vos crédits pour cette période\n"
                           "• /jobs — vos vidéos récentes (celles en file d’attente peuvent être annulées)\n"
                           "• /character add (une vidéo, un lien https ou un ID de tâche) · list · info · remove (les "
                           "vôtres)\n"
                           "Sous chaque vidéo : Refaire, Remix (modifier le prompt) et Créer un personnage.",
    "discord.help.admin": "Admins (Gérer le serveur, rôle d’administrateur ou propriétaire du bot) :\n"
                          "• /snapshot list · show · pin · unpin · canary · rollback · history\n"
                          "• /quota set <membre> · role <rôle> · default · period · usage\n"
                          "• /character remove (n’importe quel personnage)",
    "discord.missing_permissions": "Je ne peux pas publier de vidéos dans ce salon : il me manque ces permissions : "
                                   "{perms}. Demandez à un administrateur du serveur de me les accorder ici, ou "
                                   "utilisez un autre salon.",
    "discord.perm.view_channel": "Voir le salon",
    "discord.perm.send_messages": "Envoyer des messages",
    "discord.perm.send_messages_in_threads": "Envoyer des messages dans les fils",
    "discord.perm.attach_files": "Joindre des fichiers",
    "discord.perm.read_message_history": "Voir les anciens messages",
    "discord.thumbnail_only": "Même après réencodage, la vidéo dépasse la limite d’envoi de {limit_mb} Mo de ce "
                              "serveur : voici donc une image tirée de la vidéo. Aucun crédit n’a été dépensé.",
    "discord.attachment_too_large": "Cette vidéo fait {size_mb} Mo ; les personnages peuvent être créés à partir de "
                                    "vidéos de {limit_mb} Mo maximum.",
    "discord.character_one_source": "Donnez une seule source pour le personnage : une vidéo, un lien https ou un ID "
                                    "de tâche, pas plusieurs.",
    "discord.modal.remix_title": "Remix",
    "discord.modal.prompt_label": "Nouveau prompt",
    "discord.modal.save_title": "Créer un personnage",
    "discord.modal.name_label": "Nom du personnage",
    "discord.modal.name_placeholder": "2–32 lettres, chiffres ou _",
    "discord.modal.description_label": "Description (facultative)",
    "discord.unknown_button": "Ce bouton ne fonctionne plus. Utilisez plutôt /sora ou /jobs.",
    "discord.cooldown": "Patientez {seconds} s avant de recommencer.",
    "provider.status_header": "Fournisseurs vidéo (routage ici : {priority}) :",
    "provider.status_line": "• {name} ({kind}) — {health} — {in_flight}/{cap} tâches en cours — {failures} échec(s) "
                            "dans la dernière heure, {submits} envoi(s) échoué(s){last}\n"
                            "  {price} · stabilité {stability} · durées {durations} s · {features}",
    "provider.health_ok": "✅ en rotation",
    "provider.health_open": "⛔ hors rotation après des échecs répétés (nouveau test dans {seconds} s)",
    "provider.health_half_open": "🟡 à l’essai : la prochaine tâche servira de test",
    "provider.last_failure": " ; dernier : {reason}, il y a {ago} s",
    "provider.price_request": "{usd} $ par vidéo",
    "provider.price_second": "{usd} $ par seconde",
    "provider.price_snapshot": "le prix par seconde du snapshot",
    "provider.priority_cost": "le moins cher d’abord",
    "provider.priority_stability": "le plus fiable d’abord",
    "provider.priority_set": "Le routage ici est désormais : {priority}. Chaque vidéo ne va toujours qu’à un "
                             "fournisseur capable de la créer, et passe au suivant si ce fournisseur échoue.",
    "provider.bad_priority": "« {value} » n’est pas une priorité de routage. Utilisez l’une de celles-ci : {allowed}.",
    "quota.usage_by_provider_header": "Par fournisseur et snapshot :",
    "quota.usage_provider_line": "• {provider} · {snapshot} : {credits} crédits, {jobs} vidéo(s), ≈ {usd} $",
    "character.no_provider": "Aucun service vidéo ici ne peut créer @{name} à partir de cette source (les passerelles "
                             "de tâches ont besoin d’un lien qu’elles peuvent télécharger : essayez une URL https). "
                             "Rien n’a été enregistré.",
    "storyboard.empty": "Un storyboard a besoin de scènes, chacune écrite début-fin: ce qui se passe, une par ligne "
                        "ou séparées par ;, par ex. {example}",
    "storyboard.bad_scene": "La scène {index} (« {text} ») n’est pas écrite début-fin: ce qui se passe, par ex. "
                            "{example}",
    "storyboard.no_text": "La scène {index} ({start}-{end} s) est vide : décrivez ce qui se passe après les "
                          "deux-points.",
    "storyboard.backwards": "La scène {index} se termine à {end} s, ce qui n’est pas après son début à {start} s.",
    "storyboard.not_from_zero": "La première scène commence à {start} s ; un storyboard commence à 0 (par ex. 0-5: …).",
    "storyboard.gap": "Il y a un trou de {end} s à {start} s entre la scène {prev} et la scène {index} : chaque scène "
                      "doit commencer là où la précédente se termine.",
    "storyboard.overlap": "La scène {index} commence à {start} s, avant la fin de la scène {prev} à {end} s : les "
                          "scènes ne doivent pas se chevaucher.",
    "storyboard.scene_too_short": "La scène {index} ({start}-{end} s) dure {length} s ; chaque scène doit durer au "
                                  "moins {min} s.",
    "storyboard.too_many_scenes": "Cela fait {count} scènes ; un storyboard peut en avoir au maximum {max}.",
    "storyboard.too_long": "Les scènes totalisent {total} s, plus que les {max} s que {snapshot} peut créer.",
    "storyboard.bad_total": "Les scènes totalisent {total} s, mais {snapshot} crée des vidéos de {allowed} : terminez "
                            "la dernière scène sur l’une de ces durées.",
    "storyboard.no_duration": "Un storyboard dure jusqu’à la fin de sa dernière scène : n’indiquez pas de durée.",
}
