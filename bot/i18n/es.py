"""Spanish: the message catalogue. Keys missing here fall back to English."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "yes": "sí",
    "no": "no",
    "error.generic": "Lo sentimos, algo ha fallado por nuestra parte. No se ha cobrado nada. (ref. {ref})",
    "error.unknown_command": "Comando desconocido /{name}. Comandos: {known}. Escribe /help para ver cómo usarlos.",
    "error.unknown_subcommand": "Acción de /{command} desconocida: “{name}”. Usa una de estas: {allowed}.",
    "error.missing_argument": "A /{command} le falta algo: {what}. Uso: {usage}",
    "error.unknown_option": "Opción desconocida {option} para /{command}. Permitidas: {allowed}.",
    "error.bad_duration": "“{value}” no es una duración. Usa una de estas: {allowed} (segundos).",
    "error.bad_syntax": "No se ha podido leer ese comando: {detail}. Uso: {usage}",
    "error.not_in_dm": "/{command} solo funciona en un servidor o grupo, no en un chat privado.",
    "auth.admin_only": "Solo los administradores de este servidor pueden usar {command} (permiso Gestionar servidor, "
                       "un rol de administrador o ser propietario del bot).",
    "why.pin": "fijado por los administradores",
    "why.canary": "canario",
    "why.default": "predeterminado del despliegue",
    "snapshot.unknown": "Snapshot desconocido “{id}”. Snapshots conocidos: {known}.",
    "snapshot.retired": "El snapshot {id} se retiró el {date} y ya no puede crear vídeos. Su sucesor es {successor}: "
                        "un administrador puede usar /snapshot pin {successor}.",
    "snapshot.duration_unsupported": "{seconds} s no está disponible en {id}: permite {allowed} (como máximo {max} "
                                     "s). Elige una de esas duraciones, o un administrador podría fijar un snapshot "
                                     "que permita {seconds} s: {alternatives}.",
    "snapshot.storyboard_unsupported": "Los storyboards no están disponibles en {id}. Un administrador podría fijar "
                                       "un snapshot con storyboards: {alternatives}.",
    "snapshot.characters_unsupported": "Los personajes (@nombre) no están disponibles en {id}. Quita la @mención, o "
                                       "un administrador podría fijar un snapshot con personajes: {alternatives}.",
    "snapshot.list_header": "Snapshots (◀ = el que se usa aquí):",
    "snapshot.list_line": "• {id} [{label}] — duraciones {durations} s — {flags}{marker}",
    "snapshot.alias_line": "• {alias} → {target} (alias, se resuelve al enviar una tarea)",
    "snapshot.flag_storyboard": "storyboard",
    "snapshot.flag_characters": "personajes",
    "snapshot.flag_retired": "RETIRADO (sucesor {successor})",
    "snapshot.flag_retires": "se retira el {date}",
    "snapshot.show": "En uso: {id} ({why}).\n"
                     "Duraciones: {durations}. Storyboard: {storyboard}. Personajes: {characters}.\n"
                     "Predeterminado del despliegue ({environment}): {default}.",
    "snapshot.show_canary": "Canario: el {percent} % de las tareas van a {id}.",
    "snapshot.notice_retired": "⚠ {id} está retirado; se rechazan las tareas que lo usan. Fija su sucesor, "
                               "{successor}.",
    "snapshot.notice_retiring": "⚠ {id} se retira el {date}. Te recomendamos fijar su sucesor, {successor}, antes de "
                                "esa fecha.",
    "snapshot.pinned": "{id} fijado (antes: {before}). Duraciones: {durations}.",
    "snapshot.already_pinned": "{id} ya está fijado aquí.",
    "snapshot.not_pinned": "No hay ningún snapshot fijado aquí; se usa el predeterminado del despliegue ({default}).",
    "snapshot.unpinned": "{before} ya no está fijado. Ahora en uso: {after} (predeterminado del despliegue).",
    "snapshot.bad_percent": "“{value}” no es un porcentaje. Usa un número entero de 0 a 100 (0 termina el canario).",
    "snapshot.no_canary": "No hay ningún canario en marcha aquí.",
    "snapshot.canary_same": "{id} ya es el snapshot en uso; un canario necesita uno distinto.",
    "snapshot.canary_on": "Canario iniciado: el {percent} % de las tareas van a {id}; el resto sigue en {base}.",
    "snapshot.canary_off": "Canario de {id} terminado; todas las tareas usan el snapshot en uso.",
    "snapshot.nothing_to_rollback": "No hay nada que revertir: no hay ningún canario en marcha ni un fijado anterior.",
    "snapshot.rolled_back": "Revertido ({detail}): {before} → {after}.",
    "snapshot.history_empty": "Todavía no hay cambios de snapshot.",
    "snapshot.history_header": "Historial de snapshots (los más recientes primero):",
    "snapshot.history_line": "• {at} — {who}: {action} {before} → {after}{detail}",
    "provider.none_for_snapshot": "Ahora mismo ningún proveedor de vídeo configurado ofrece {snapshot}. Un "
                                  "administrador podría fijar otro snapshot (/snapshot list).",
    "provider.none_for_duration": "Ningún proveedor de vídeo puede crear {seconds} s con {snapshot}. Disponibles: "
                                  "{allowed}.",
    "provider.none_for_storyboard": "Ningún proveedor de vídeo de {snapshot} acepta storyboards.",
    "provider.none_for_characters": "Los personajes de este prompt no están todos en un mismo proveedor de vídeo que "
                                    "ofrezca {snapshot}. Usa personajes guardados en el mismo proveedor.",
    "sora.empty_prompt": "Describe el vídeo: /sora necesita un prompt, p. ej. /sora un gato naranja duerme la siesta "
                         "al sol.",
    "sora.prompt_too_long": "El prompt tiene {length} caracteres; el límite es {limit}. Acórtalo, por favor.",
    "sora.bad_size": "Tamaño desconocido “{value}”. Usa uno de estos: {allowed}.",
    "sora.too_many_active": "Ya tienes {limit} vídeo(s) en curso, el máximo permitido a la vez. Espera a que termine "
                            "uno o cancela uno que esté en cola (/jobs).",
    "sora.scope_busy": "Este servidor ya tiene {limit} vídeos en curso, el máximo permitido a la vez. Inténtalo de "
                       "nuevo en unos minutos.",
    "sora.pick_duration": "¿Cuánto debería durar “{prompt}”?",
    "status.queued": "🎬 En cola — posición {position}\n"
                     "“{prompt}”\n"
                     "Snapshot {snapshot} ({why}) · {seconds} s · {credits} créditos reservados\n"
                     "Tarea {id}",
    "status.submitting": "📤 Enviando al servicio de vídeo…\n"
                         "“{prompt}”\n"
                         "Snapshot {snapshot} ({why}) · {seconds} s · {credits} créditos reservados\n"
                         "Tarea {id}",
    "status.running": "⏳ Generando {bar} {percent} %\n"
                      "“{prompt}”\n"
                      "Snapshot {snapshot} ({why}) · {seconds} s · {credits} créditos reservados\n"
                      "Tarea {id}",
    "status.delivering": "📦 Terminando y subiendo…\n“{prompt}”\nSnapshot {snapshot} · {seconds} s\nTarea {id}",
    "status.delivered": "✅ Listo — {seconds} s con {snapshot}, {credits} créditos gastados.\n“{prompt}”\nTarea {id}",
    "status.cancelled": "🚫 Cancelado — {credits} créditos devueltos.\n“{prompt}”\nTarea {id}",
    "status.failed": "❌ Error: {reason}\n"
                     "No se ha gastado ningún crédito (se han devuelto {credits}).\n"
                     "“{prompt}”\n"
                     "Tarea {id}",
    "caption": "“{prompt}”\n{snapshot} · {seconds} s · {credits} créditos · tarea {id}",
    "reason.moderation": "el servicio de vídeo ha rechazado este prompt según su política de contenido. Prueba a "
                         "reformularlo.",
    "reason.invalid_request": "el servicio de vídeo ha rechazado la solicitud por no ser válida.",
    "reason.rate_limited": "el servicio de vídeo está limitando nuestras solicitudes. Inténtalo de nuevo en unos "
                           "minutos.",
    "reason.unavailable": "el servicio de vídeo no está disponible ahora mismo. Inténtalo de nuevo más tarde.",
    "provider.all_out_of_rotation": "Los servicios de vídeo que pueden hacer esto están fallando ahora y están en "
                                      "pausa unos {minutes} min. No se ha cobrado nada; inténtalo de nuevo entonces.",
    "reason.expired": "el vídeo terminado caducó en el servicio de vídeo antes de que pudiéramos descargarlo.",
    "reason.generation_failed": "el servicio de vídeo no ha podido crear este vídeo.",
    "reason.deadline": "el servicio de vídeo no terminó a tiempo.",
    "reason.cancelled": "cancelada.",
    "reason.submit_interrupted": "el bot se reinició mientras enviaba esta tarea, así que se detuvo para no "
                                 "arriesgarse a cobrar dos veces. Pulsa Repetir para volver a intentarlo.",
    "reason.character_unavailable": "el servicio de vídeo que guarda un personaje de este prompt no está disponible "
                                    "ahora mismo, así que no se ha creado el vídeo para no dejar fuera al personaje. "
                                    "Inténtalo de nuevo más tarde.",
    "reason.delivery_failed": "no se ha podido publicar el vídeo aquí (es demasiado grande o faltan permisos).",
    "reason.internal": "un error interno.",
    "button.cancel": "Cancelar",
    "button.again": "Repetir",
    "button.remix": "Remix",
    "button.save_character": "Guardar personaje",
    "state.queued": "en cola",
    "state.submitting": "enviando",
    "state.running": "generando",
    "state.delivering": "entregando",
    "state.delivered": "entregada",
    "state.failed": "fallida",
    "state.cancelled": "cancelada",
    "job.not_found": "No hay ninguna tarea {id} en este servidor.",
    "job.not_yours": "La tarea {id} es de otra persona; solo esa persona o un administrador pueden cambiarla.",
    "job.cannot_cancel": "La tarea {id} está en estado “{state}” y ya no se puede cancelar (solo se pueden cancelar "
                         "las que están en cola).",
    "job.cancelled": "Tarea {id} cancelada; {credits} créditos devueltos.",
    "jobs.none": "Todavía no tienes tareas aquí. Prueba /sora.",
    "jobs.header": "Tus últimas tareas ({count}):",
    "jobs.line": "• {id} — {state}{extra} — {seconds} s con {snapshot}, {credits} cr — {when} — “{prompt}”",
    "period.day": "día",
    "period.week": "semana",
    "period.month": "mes",
    "quota.me": "Periodo actual ({period}): {used} créditos usados, {held} reservados por tareas en curso, te quedan "
                "{left} de {allowance}.\n"
                "Se reinicia el {resets}. (10 s = 1 crédito, 15 s = 1.5, 20 s = 2, 25 s = 2.5)",
    "quota.exhausted": "No tienes créditos suficientes: este vídeo cuesta {cost} y te quedan {left} de {allowance} en "
                       "este periodo. Tus créditos se reinician el {resets}.",
    "quota.bad_amount": "“{value}” no es una cantidad de créditos. Usa un número ≥ 0 con un decimal como máximo, p. "
                        "ej. 10 o 2.5.",
    "quota.bad_period": "“{value}” no es un periodo. Usa uno de estos: {allowed}.",
    "quota.member_set": "{user} ahora puede gastar {credits} créditos por periodo.",
    "quota.member_cleared": "{user} vuelve a tener la asignación predeterminada del servidor.",
    "quota.role_set": "Los miembros con el rol {role} pueden gastar {credits} créditos por periodo (su ajuste "
                      "personal tiene prioridad).",
    "quota.default_set": "Ahora cada miembro puede gastar {credits} créditos por periodo, salvo que se indique otra "
                         "cosa.",
    "quota.period_set": "Ahora las asignaciones se reinician cada {period} (UTC).",
    "quota.usage_header": "Uso del periodo ({period}, {start} – {end}, asignación predeterminada {default}):",
    "quota.usage_none": "Todavía no se han gastado créditos en este periodo.",
    "quota.usage_line": "• {user}: {used} usados, {held} reservados, asignación {allowance}, {jobs} vídeo(s), ≈ ${usd}",
    "quota.usage_total": "Total: {used} créditos usados, {held} reservados, {jobs} vídeo(s), ≈ ${usd}.",
    "character.bad_name": "“{name}” no puede ser un nombre de personaje: usa de 2 a 32 letras, dígitos o _ (no solo "
                          "dígitos).",
    "character.reserved_name": "“{name}” está reservado y no puede ser un nombre de personaje.",
    "character.unknown": "No hay ningún personaje @{name} aquí. ¿Querías decir {close}? (/character list)",
    "character.unknown_no_close": "No hay ningún personaje @{name} aquí. Consulta /character list o añade uno con "
                                  "/character add.",
    "character.exists": "Ya existe un personaje llamado @{name} aquí. Elige otro nombre.",
    "character.not_a_video": "Ese archivo no es un vídeo que pueda leer. Usa un vídeo MP4 o MOV.",
    "character.provider_failed": "El servicio de vídeo no ha podido crear @{name} ({reason}). No se ha guardado nada.",
    "character.not_owner": "@{name} es de {owner}; solo esa persona o un administrador pueden eliminarlo.",
    "character.job_not_ready": "La tarea {id} no tiene ningún vídeo terminado con el que crear un personaje.",
    "character.added": "@{name} guardado. Escribe @{name} en un prompt de /sora para usarlo.",
    "character.none": "Todavía no hay personajes aquí. Añade uno con /character add.",
    "character.list_header": "Personajes ({count}):",
    "character.list_line": "• @{name} — {description} (de {owner})",
    "character.info": "@{name}\n"
                      "{description}\n"
                      "Creado por {owner} el {created}, a partir de {source}. Guardado en: {providers}.",
    "character.removed": "@{name} eliminado.",
    "character.need_source": "Dale un vídeo al personaje: adjunta uno, responde a uno, indica una URL https o usa "
                             "from_job:<job id>.",
    "character_url.not_https": "Para los personajes solo se pueden usar enlaces https:// ({url}).",
    "character_url.bad_url": "Eso no parece un enlace válido: {url}",
    "character_url.private_address": "Ese enlace apunta a una dirección privada o local, y eso no está permitido "
                                     "({url}).",
    "character_url.resolve_failed": "No se ha encontrado el servidor de ese enlace ({url}).",
    "character_url.too_many_redirects": "Ese enlace redirige demasiadas veces ({url}).",
    "character_url.http_status": "El enlace ha respondido con HTTP {status} ({url}).",
    "character_url.too_large": "Ese vídeo supera los {limit_mb} MB permitidos ({url}).",
    "character_url.bad_type": "Ese enlace no es un vídeo (es {content_type}) ({url}).",
    "character_url.timeout": "Descargar ese enlace ha tardado demasiado ({url}).",
    "character_url.connection": "No se ha podido conectar con el servidor de ese enlace ({url}).",
    "help.member": "sorabot crea vídeos cortos con IA.\n"
                   "• /sora <prompt> [duration 10|15|20|25] [size landscape|portrait] — crea un vídeo (10 s = 1 "
                   "crédito, 15 s = 1.5, 20 s = 2, 25 s = 2.5). Escribe @nombre en el prompt para usar un personaje.\n"
                   "• /sora storyboard 0-5: <escena>; 5-10: <escena> — un vídeo contado en escenas con tiempos (una "
                   "por línea o separadas por ;); cuesta lo que dura en total\n"
                   "• /quota — tus créditos de este periodo\n"
                   "• /jobs — tus tareas recientes (las que están en cola se pueden cancelar)\n"
                   "• /character add <nombre> (un vídeo, una URL https o from_job:<id>) · /character list · "
                   "/character info <nombre> · /character remove <nombre> (los tuyos)\n"
                   "• /snapshot list · /snapshot show — qué versión del modelo crea tus vídeos",
    "help.admin": "Administración:\n"
                  "• /snapshot pin <id> · unpin · canary <id> <porcentaje> · rollback · history\n"
                  "• /quota set <miembro> <créditos|default> · default <créditos> · period day|week|month · usage\n"
                  "• /provider status · priority cost|stability — estado de los proveedores de vídeo y cuál va "
                  "primero\n"
                  "• /character remove <nombre> (cualquier personaje)",
    "telegram.cmd.sora": "Crea un vídeo: /sora 15 un gato naranja duerme al sol",
    "telegram.cmd.jobs": "Tus últimos vídeos (cancela los que estén en cola)",
    "telegram.cmd.quota": "Tus créditos del periodo",
    "telegram.cmd.quota_admin": "Créditos: los tuyos, o fija asignaciones (set, default, period, usage)",
    "telegram.cmd.character": "Personajes: add (responde a un vídeo), list, info, remove",
    "telegram.cmd.snapshot": "Qué versión del modelo crea los vídeos aquí (list, show)",
    "telegram.cmd.snapshot_admin": "Versión del modelo: list, show, pin, unpin, canary, rollback, history",
    "telegram.cmd.help": "Cómo usar el bot",
    "telegram.cmd.storyboard": "Varias escenas en un vídeo: una «0-5: amanecer» por línea",
    "telegram.cmd.provider_admin": "Servicios de vídeo: status, priority cost|stability",
    "telegram.cmd.start": "Qué hace este bot",
    "telegram.duration_button": "{seconds} s · {credits} cr",
    "telegram.pick_duration_snapshot": "Snapshot {snapshot} ({why}). 10 s = 1 crédito.",
    "telegram.pick_expired": "Esta opción ha caducado. Vuelve a enviar el comando.",
    "telegram.not_your_choice": "Solo quien lo pidió puede elegir aquí.",
    "telegram.starting": "Empezando un vídeo de {seconds} s…",
    "telegram.remix_ask": "{user}, responde a este mensaje con el nuevo prompt para hacer un remix de la tarea {id}.",
    "telegram.save_ask": "{user}, responde a este mensaje con un nombre para el personaje de la tarea {id} (de 2 a 32 "
                         "letras, dígitos o _) y, si quieres, una descripción detrás.",
    "telegram.remix_placeholder": "El nuevo prompt",
    "telegram.save_placeholder": "nombre y descripción",
    "telegram.ask_expired": "Esa pregunta ha caducado. Vuelve a pulsar el botón que hay bajo el vídeo.",
    "telegram.file_too_big": "Ese vídeo ocupa {size_mb} MB, pero los bots solo pueden descargar de Telegram archivos "
                             "de hasta {limit_mb} MB. Envía un vídeo más corto o más pequeño, o indica un enlace "
                             "https: /character add <nombre> <url>.",
    "telegram.auth.admin_only": "Aquí solo los administradores pueden usar {command}: el creador del grupo y sus "
                                "administradores (también al publicar de forma anónima), o un propietario del bot.",
    "telegram.job.not_found": "No hay ninguna tarea {id} en este chat.",
    "telegram.sora.scope_busy": "Este chat ya tiene {limit} vídeos en curso, el máximo permitido a la vez. Inténtalo "
                                "de nuevo en unos minutos.",
    "discord.cmd.sora": "Crea un vídeo corto con IA (usa un personaje con @nombre en el prompt)",
    "discord.cmd.jobs": "Tus últimos vídeos aquí (cancela los que estén en cola)",
    "discord.cmd.credits": "Créditos restantes del periodo",
    "discord.cmd.help": "Cómo usar sorabot",
    "discord.grp.snapshot": "Qué snapshot del modelo crea los vídeos del servidor (admins)",
    "discord.cmd.snapshot_list": "Todos los snapshots y el que se usa aquí",
    "discord.cmd.snapshot_show": "El snapshot en uso aquí y por qué",
    "discord.cmd.snapshot_pin": "Fija un snapshot en este servidor",
    "discord.cmd.snapshot_unpin": "Vuelve al snapshot predeterminado",
    "discord.cmd.snapshot_canary": "Envía un porcentaje de tareas a otro snapshot (0 lo termina)",
    "discord.cmd.snapshot_rollback": "Deshaz el último fijado o el canario",
    "discord.cmd.snapshot_history": "Quién cambió el snapshot y cuándo",
    "discord.grp.quota": "Asignaciones de créditos de los miembros (admins)",
    "discord.cmd.quota_set": "Asignación por periodo de un miembro",
    "discord.cmd.quota_role": "Fija la asignación de un rol",
    "discord.cmd.quota_default": "Fija la asignación por defecto por periodo",
    "discord.cmd.quota_period": "Frecuencia de reinicio (UTC)",
    "discord.cmd.quota_usage": "Créditos usados este periodo por miembro",
    "discord.grp.character": "Personajes de la comunidad para tus vídeos con @nombre",
    "discord.cmd.character_add": "Guarda un personaje desde vídeo, enlace https o tarea",
    "discord.cmd.character_list": "Los personajes de este servidor",
    "discord.cmd.character_info": "Sobre un personaje",
    "discord.cmd.character_remove": "Borra un personaje (tuyo; admins: cualquiera)",
    "discord.opt.prompt": "Qué muestra el vídeo",
    "discord.opt.duration": "Duración (10 s = 1 crédito)",
    "discord.opt.size": "Horizontal o vertical",
    "discord.opt.snapshot_id": "ID de snapshot (o alias)",
    "discord.opt.percent": "% de tareas para el canario, 0–100 (0 lo termina)",
    "discord.opt.member": "El miembro",
    "discord.opt.amount_member": "Créditos por periodo, p. ej. 10 o 2.5, o “default”",
    "discord.opt.role": "El rol",
    "discord.opt.amount": "Créditos por periodo, p. ej. 10 o 2.5",
    "discord.opt.period": "Día, semana o mes",
    "discord.opt.character_name": "2–32 letras, dígitos o _",
    "discord.opt.video": "Un vídeo del personaje (MP4 o MOV)",
    "discord.opt.url": "…o un enlace https a un vídeo",
    "discord.opt.from_job": "…o el ID de una tarea terminada de este servidor",
    "discord.opt.description": "Qué es el personaje",
    "discord.opt.character_pick": "El personaje",
    "discord.choice.duration_one": "{seconds} s · 1 crédito",
    "discord.choice.duration": "{seconds} s · {credits} créditos",
    "discord.choice.landscape": "Horizontal (1280×720)",
    "discord.choice.portrait": "Vertical (720×1280)",
    "discord.help.member": "sorabot crea vídeos cortos con IA.\n"
                           "• /sora prompt [duration] [size] — crea un vídeo (10 s = 1 crédito, 15 s = 1.5, 20 s = 2, "
                           "25 s = 2.5). Escribe @nombre en el prompt para usar un personaje.\n"
                           "• /credits — tus créditos de este periodo\n"
                           "• /jobs — tus vídeos recientes (los que están en cola se pueden cancelar)\n"
                           "• /character add (un vídeo, un enlace https o un ID de tarea) · list · info · remove (los "
                           "tuyos)\n"
                           "Bajo cada vídeo: Repetir, Remix (edita el prompt) y Guardar personaje.",
    "discord.help.admin": "Administración (Gestionar servidor, un rol de administrador o propietario del bot):\n"
                          "• /snapshot list · show · pin · unpin · canary · rollback · history\n"
                          "• /quota set <miembro> · role <rol> · default · period · usage\n"
                          "• /character remove (cualquier personaje)",
    "discord.missing_permissions": "No puedo publicar vídeos en este canal: me faltan estos permisos: {perms}. Pide a "
                                   "un administrador del servidor que me los dé aquí, o usa otro canal.",
    "discord.perm.view_channel": "Ver canal",
    "discord.perm.send_messages": "Enviar mensajes",
    "discord.perm.send_messages_in_threads": "Enviar mensajes en hilos",
    "discord.perm.attach_files": "Adjuntar archivos",
    "discord.perm.read_message_history": "Leer el historial de mensajes",
    "discord.thumbnail_only": "El vídeo supera el límite de subida de {limit_mb} MB de este servidor incluso después "
                              "de recodificarlo, así que aquí tienes un fotograma. No se ha gastado ningún crédito.",
    "discord.attachment_too_large": "Ese vídeo ocupa {size_mb} MB; los personajes se pueden crear a partir de vídeos "
                                    "de hasta {limit_mb} MB.",
    "discord.character_one_source": "Da una sola fuente para el personaje: un vídeo, un enlace https o un ID de "
                                    "tarea, no varias.",
    "discord.modal.remix_title": "Remix",
    "discord.modal.prompt_label": "Nuevo prompt",
    "discord.modal.save_title": "Guardar personaje",
    "discord.modal.name_label": "Nombre del personaje",
    "discord.modal.name_placeholder": "2–32 letras, dígitos o _",
    "discord.modal.description_label": "Descripción (opcional)",
    "discord.unknown_button": "Este botón ya no funciona. Usa /sora o /jobs.",
    "discord.cooldown": "Espera {seconds} s antes de volver a usar esto.",
    "provider.status_header": "Proveedores de vídeo (enrutamiento aquí: {priority}):",
    "provider.status_line": "• {name} ({kind}) — {health} — {in_flight}/{cap} tareas en curso — {failures} fallo(s) "
                            "en la última hora, {submits} envío(s) fallido(s){last}\n"
                            "  {price} · estabilidad {stability} · duraciones {durations} s · {features}",
    "provider.health_ok": "✅ en rotación",
    "provider.health_open": "⛔ fuera de rotación tras fallos repetidos (se volverá a probar en {seconds} s)",
    "provider.health_half_open": "🟡 en pruebas: la próxima tarea comprobará si funciona",
    "provider.last_failure": "; último: {reason}, hace {ago} s",
    "provider.price_request": "${usd} por vídeo",
    "provider.price_second": "${usd} por segundo",
    "provider.price_snapshot": "el precio por segundo del snapshot",
    "provider.priority_cost": "el más barato primero",
    "provider.priority_stability": "el más fiable primero",
    "provider.priority_set": "El enrutamiento aquí ahora es: {priority}. Cada vídeo sigue yendo solo a un proveedor "
                             "que pueda crearlo, y pasa al siguiente si ese proveedor falla.",
    "provider.bad_priority": "“{value}” no es una prioridad de enrutamiento. Usa una de estas: {allowed}.",
    "quota.usage_by_provider_header": "Por proveedor y snapshot:",
    "quota.usage_provider_line": "• {provider} · {snapshot}: {credits} créditos, {jobs} vídeo(s), ≈ ${usd}",
    "character.no_provider": "Ningún servicio de vídeo de aquí puede crear @{name} a partir de esta fuente (las "
                             "pasarelas de tareas necesitan un enlace que puedan descargar: prueba con una URL "
                             "https). No se ha guardado nada.",
    "storyboard.empty": "Un storyboard necesita escenas, cada una escrita como inicio-fin: qué pasa, una por línea o "
                        "separadas por ;, p. ej. {example}",
    "storyboard.bad_scene": "La escena {index} (“{text}”) no está escrita como inicio-fin: qué pasa, p. ej. {example}",
    "storyboard.no_text": "La escena {index} ({start}-{end} s) está vacía: describe qué pasa después de los dos "
                          "puntos.",
    "storyboard.backwards": "La escena {index} termina en {end} s, que no es posterior a su inicio en {start} s.",
    "storyboard.not_from_zero": "La primera escena empieza en {start} s; un storyboard empieza en 0 (p. ej. 0-5: …).",
    "storyboard.gap": "Hay un hueco de {end} s a {start} s entre la escena {prev} y la escena {index}: cada escena "
                      "debe empezar donde termina la anterior.",
    "storyboard.overlap": "La escena {index} empieza en {start} s, antes de que termine la escena {prev} en {end} s: "
                          "las escenas no pueden solaparse.",
    "storyboard.scene_too_short": "La escena {index} ({start}-{end} s) dura {length} s; cada escena necesita al menos "
                                  "{min} s.",
    "storyboard.too_many_scenes": "Son {count} escenas; un storyboard puede tener como máximo {max}.",
    "storyboard.too_long": "Las escenas suman {total} s, más de los {max} s que puede crear {snapshot}.",
    "storyboard.bad_total": "Las escenas suman {total} s, pero {snapshot} crea vídeos de {allowed}: termina la última "
                            "escena en uno de esos valores.",
    "storyboard.no_duration": "Un storyboard dura hasta que termina su última escena: no indiques la duración.",
}
