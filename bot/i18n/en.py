"""English: the complete catalogue. Every other locale falls back to these texts."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # generic
    "yes": "yes",
    "no": "no",
    "error.generic": "Sorry, something went wrong on our side. Nothing was charged. (ref {ref})",
    "error.unknown_command": "Unknown command /{name}. Commands: {known}. Type /help for how to use them.",
    "error.unknown_subcommand": "Unknown /{command} action “{name}”. Use one of: {allowed}.",
    "error.missing_argument": "/{command} needs {what}. Usage: {usage}",
    "error.unknown_option": "Unknown option {option} for /{command}. Allowed: {allowed}.",
    "error.bad_duration": "“{value}” is not a duration. Use one of: {allowed} (seconds).",
    "error.bad_syntax": "Could not read that command: {detail}. Usage: {usage}",
    "error.not_in_dm": "/{command} only works in a server or group, not in a private chat.",
    "auth.owner_only_in_dm": "In a private chat {command} can only be used by the bot's owners: your allowance "
                             "here is the bot's default.",
    "auth.admin_only": "Only admins of this server can use {command} (Manage Server permission, an admin role, "
                       "or a bot owner).",
    # why a snapshot is in force
    "why.pin": "pinned by admins",
    "why.canary": "canary",
    "why.default": "deployment default",
    # snapshots
    "snapshot.unknown": "Unknown snapshot “{id}”. Known snapshots: {known}.",
    "snapshot.retired": "Snapshot {id} was retired on {date} and can no longer make videos. "
                        "Its successor is {successor}: an admin can /snapshot pin {successor}.",
    "snapshot.duration_unsupported": "{seconds} s is not available on {id}: it allows {allowed} (at most {max} s). "
                                     "Pick one of those, or an admin could pin a snapshot that allows {seconds} s: "
                                     "{alternatives}.",
    "snapshot.storyboard_unsupported": "Storyboards are not available on {id}. An admin could pin a snapshot "
                                       "with storyboards: {alternatives}.",
    "snapshot.characters_unsupported": "Characters (@name) are not available on {id}. Remove the @mention, or an "
                                       "admin could pin a snapshot with characters: {alternatives}.",
    "snapshot.list_header": "Snapshots (◀ = in force here):",
    "snapshot.list_line": "• {id} [{label}] — durations {durations} s — {flags}{marker}",
    "snapshot.alias_line": "• {alias} → {target} (alias, resolved when a job is submitted)",
    "snapshot.flag_storyboard": "storyboard",
    "snapshot.flag_characters": "characters",
    "snapshot.flag_retired": "RETIRED (successor {successor})",
    "snapshot.flag_retires": "retires {date}",
    "snapshot.show": "In force: {id} ({why}).\nDurations: {durations}. Storyboard: {storyboard}. Characters: "
                     "{characters}.\nDeployment default ({environment}): {default}.",
    "snapshot.show_canary": "Canary: {percent}% of jobs go to {id}.",
    "snapshot.notice_retired": "⚠ {id} is retired; jobs on it are refused. Pin its successor {successor}.",
    "snapshot.notice_retiring": "⚠ {id} retires on {date}. Consider pinning its successor {successor} before then.",
    "snapshot.pinned": "Pinned {id} (was {before}). Durations: {durations}.",
    "snapshot.already_pinned": "{id} is already pinned here.",
    "snapshot.not_pinned": "No snapshot is pinned here; the deployment default ({default}) is in force.",
    "snapshot.unpinned": "Unpinned {before}. Now in force: {after} (deployment default).",
    "snapshot.bad_percent": "“{value}” is not a percentage. Use a whole number from 0 to 100 (0 ends the canary).",
    "snapshot.no_canary": "No canary is running here.",
    "snapshot.canary_same": "{id} is already the snapshot in force; a canary needs a different one.",
    "snapshot.canary_on": "Canary started: {percent}% of jobs go to {id}, the rest stay on {base}.",
    "snapshot.canary_off": "Canary of {id} ended; every job uses the snapshot in force.",
    "snapshot.nothing_to_rollback": "Nothing to roll back: no canary is running and there is no earlier pin.",
    "snapshot.rolled_back": "Rolled back ({detail}): {before} → {after}.",
    "snapshot.history_empty": "No snapshot changes yet.",
    "snapshot.history_header": "Snapshot history (newest first):",
    "snapshot.history_line": "• {at} — {who}: {action} {before} → {after}{detail}",
    # providers
    "provider.none_for_snapshot": "No configured video provider serves {snapshot} right now. An admin could pin "
                                  "another snapshot (/snapshot list).",
    "provider.none_for_duration": "No video provider can make {seconds} s on {snapshot}. Available: {allowed}.",
    "provider.none_for_storyboard": "No video provider for {snapshot} accepts storyboards.",
    "provider.none_for_characters": "The characters in this prompt are not all held by one video provider that "
                                    "serves {snapshot}. Use characters saved on the same provider.",
    # /sora
    "sora.empty_prompt": "Please describe the video: /sora needs a prompt, e.g. /sora an orange cat naps in the sun.",
    "sora.prompt_too_long": "The prompt is {length} characters long; the limit is {limit}. Please shorten it.",
    "sora.bad_size": "Unknown size “{value}”. Use one of: {allowed}.",
    "sora.too_many_active": "You already have {limit} video(s) in progress, the most allowed at once. "
                            "Wait for one to finish or cancel a queued one (/jobs).",
    "sora.scope_busy": "This server already has {limit} videos in progress, the most allowed at once. "
                       "Please try again in a few minutes.",
    "sora.pick_duration": "How long should “{prompt}” be?",
    # statuses
    "status.queued": "🎬 Queued — position {position}\n“{prompt}”\nSnapshot {snapshot} ({why}) · {seconds} s · "
                     "{credits:~credit|credits} held\nJob {id}",
    "status.submitting": "📤 Sending to the video service…\n“{prompt}”\nSnapshot {snapshot} ({why}) · {seconds} s · "
                         "{credits:~credit|credits} held\nJob {id}",
    "status.running": "⏳ Generating {bar} {percent}%\n“{prompt}”\nSnapshot {snapshot} ({why}) · {seconds} s · "
                      "{credits:~credit|credits} held\nJob {id}",
    "status.delivering": "📦 Finishing and uploading…\n“{prompt}”\nSnapshot {snapshot} · {seconds} s\nJob {id}",
    "status.delivered": "✅ Done — {seconds} s on {snapshot}, {credits:~credit|credits} spent.\n“{prompt}”\nJob {id}",
    "status.cancelled": "🚫 Cancelled — {credits:~credit|credits} returned.\n“{prompt}”\nJob {id}",
    "status.failed": "❌ Failed: {reason}\nNo credits were spent ({credits} returned).\n“{prompt}”\nJob {id}",
    "caption": "“{prompt}”\n{snapshot} · {seconds} s · {credits:~credit|credits} · job {id}",
    # failure reasons
    "reason.moderation": "the video service refused this prompt under its content policy. Try rewording it.",
    "reason.invalid_request": "the video service rejected the request as invalid.",
    "reason.rate_limited": "the video service is rate limiting us. Please try again in a few minutes.",
    "reason.unavailable": "the video service is unavailable right now. Please try again later.",
    "provider.all_out_of_rotation": "The video services that can make this are failing right now and are paused for "
                                      "about {minutes} min. Nothing was charged; please try again then.",
    "reason.expired": "the finished video expired at the video service before it could be fetched.",
    "reason.generation_failed": "the video service could not make this video.",
    "reason.deadline": "the video service did not finish in time.",
    "reason.cancelled": "cancelled.",
    "reason.submit_interrupted": "the bot restarted while sending this job, so it was stopped rather than risk "
                                 "paying twice. Press Again to retry.",
    "reason.character_unavailable": "the video service that holds a character in this prompt is unavailable "
                                    "right now, so the video was not made rather than leave the character out. "
                                    "Please try again later.",
    "reason.delivery_failed": "the video could not be posted here (too large or missing permissions).",
    "reason.internal": "an internal error.",
    # buttons
    "button.cancel": "Cancel",
    "button.again": "Again",
    "button.remix": "Remix",
    "button.save_character": "Save as character",
    # jobs
    "state.queued": "queued",
    "state.submitting": "submitting",
    "state.running": "generating",
    "state.delivering": "delivering",
    "state.delivered": "delivered",
    "state.failed": "failed",
    "state.cancelled": "cancelled",
    "job.not_found": "No job {id} in this server.",
    "job.not_yours": "Job {id} belongs to someone else; only they or an admin can change it.",
    "job.cannot_cancel": "Job {id} is {state} and can no longer be cancelled (only queued jobs can).",
    "job.cancelled": "Cancelled job {id}; {credits:~credit|credits} returned.",
    "jobs.none": "You have no jobs here yet. Try /sora.",
    "jobs.header": "Your last {count} job(s):",
    "jobs.line": "• {id} — {state}{extra} — {seconds} s on {snapshot}, {credits} cr — {when} — “{prompt}”",
    # quotas
    "period.day": "day",
    "period.week": "week",
    "period.month": "month",
    "quota.me": "This {period}: {used:~credit|credits} used, {held} held by running jobs, {left} of {allowance} left.\n"
                "Resets {resets}. (10 s = 1 credit, 15 s = 1.5, 20 s = 2, 25 s = 2.5)",
    "quota.exhausted": "Not enough credits: this video costs {cost} and you have {left} of {allowance} left this "
                       "{period}. Your credits reset {resets}.",
    "quota.bad_amount": "“{value}” is not a credit amount. Use a number ≥ 0 with at most one decimal, e.g. 10 or "
                        "2.5.",
    "quota.bad_period": "“{value}” is not a period. Use one of: {allowed}.",
    "quota.member_set": "{user} may now spend {credits:~credit|credits} per period.",
    "quota.member_cleared": "{user} now has the server's default allowance.",
    "quota.role_set": "Members with role {role} may spend {credits:~credit|credits} per period "
                      "(their own setting wins).",
    "quota.default_set": "Every member may now spend {credits:~credit|credits} per period unless set otherwise.",
    "quota.period_set": "Allowances now reset every {period} (UTC).",
    "quota.usage_header": "Usage this {period} ({start} – {end}, default allowance {default}):",
    "quota.usage_none": "No credits spent yet this period.",
    "quota.usage_line": "• {user}: {used} used, {held} held, allowance {allowance}, {jobs} video(s), ≈ ${usd}",
    "quota.usage_total": "Total: {used:~credit|credits} used, {held} held, {jobs} video(s), ≈ ${usd}.",
    # characters
    "character.bad_name": "“{name}” can't be a character name: use 2–32 letters, digits or _ (not only digits).",
    "character.reserved_name": "“{name}” is reserved and can't be a character name.",
    "character.unknown": "There is no character @{name} here. Did you mean {close}? (/character list)",
    "character.unknown_no_close": "There is no character @{name} here. See /character list, or add one with "
                                  "/character add.",
    "character.exists": "A character called @{name} already exists here. Pick another name.",
    "character.not_a_video": "That file is not a video I can read. Please use an MP4 or MOV video.",
    "character.provider_failed": "The video service could not create @{name} ({reason}). Nothing was saved.",
    "character.not_owner": "@{name} belongs to {owner}; only they or an admin can remove it.",
    "character.job_not_ready": "Job {id} has no finished video to make a character from.",
    "character.added": "Saved @{name}. Put @{name} in a /sora prompt to use it.",
    "character.none": "No characters here yet. Add one with /character add.",
    "character.list_header": "Characters ({count}):",
    "character.list_line": "• @{name} — {description} (by {owner})",
    "character.info": "@{name}\n{description}\nBy {owner} on {created}, from {source}. Held by: {providers}.",
    "character.removed": "Removed @{name}.",
    "character.need_source": "Give the character a video: attach one, reply to one, give an https URL, or "
                             "from_job:<job id>.",
    "character_url.not_https": "Only https:// links can be used for characters ({url}).",
    "character_url.bad_url": "That doesn't look like a valid link: {url}",
    "character_url.private_address": "That link points to a private or local address, which is not allowed ({url}).",
    "character_url.resolve_failed": "Could not find the server of that link ({url}).",
    "character_url.too_many_redirects": "That link redirects too many times ({url}).",
    "character_url.http_status": "The link answered with HTTP {status} ({url}).",
    "character_url.too_large": "That video is larger than the {limit_mb} MB allowed ({url}).",
    "character_url.bad_type": "That link is not a video (it is {content_type}) ({url}).",
    "character_url.timeout": "Fetching that link took too long ({url}).",
    "character_url.connection": "Could not connect to the server of that link ({url}).",
    # help
    "help.member": "sorabot makes short AI videos.\n"
                   "• /sora <prompt> [duration 10|15|20|25] [size landscape|portrait] — make a video "
                   "(10 s = 1 credit, 15 s = 1.5, 20 s = 2, 25 s = 2.5). Put @name in the prompt to use a character.\n"
                   "• /sora storyboard 0-5: <scene>; 5-10: <scene> — a video told in timed scenes (one per line "
                   "or separated by ;); it costs its total length\n"
                   "• /quota — your credits this period\n"
                   "• /jobs — your recent jobs (queued ones can be cancelled)\n"
                   "• /character add <name> (a video, an https URL or from_job:<id>) · /character list · "
                   "/character info <name> · /character remove <name> (your own)\n"
                   "• /snapshot list · /snapshot show — which model version makes your videos",
    "help.admin": "Admin:\n"
                  "• /snapshot pin <id> · unpin · canary <id> <percent> · rollback · history\n"
                  "• /quota set <member> <credits|default> · default <credits> · period day|week|month · usage\n"
                  "• /provider status · priority cost|stability — video providers' health, and which one goes first\n"
                  "• /character remove <name> (any character)",
    # --- Telegram ---------------------------------------------------------------------------
    "telegram.cmd.sora": "Make a video: /sora 15 an orange cat naps in the sun",
    "telegram.cmd.jobs": "Your recent videos (queued ones can be cancelled)",
    "telegram.cmd.quota": "Your credits this period",
    "telegram.cmd.quota_admin": "Credits: yours, or set allowances (set, default, period, usage)",
    "telegram.cmd.character": "Characters: add (reply to a video), list, info, remove",
    "telegram.cmd.snapshot": "Which model version makes the videos here (list, show)",
    "telegram.cmd.snapshot_admin": "Model version: list, show, pin, unpin, canary, rollback, history",
    "telegram.cmd.help": "How to use the bot",
    "telegram.cmd.storyboard": "Several scenes in one video: one “0-5: sunrise” per line",
    "telegram.cmd.provider_admin": "Video services: status, priority cost|stability",
    "telegram.cmd.start": "What this bot does",
    "telegram.duration_button": "{seconds} s · {credits} cr",
    "telegram.pick_duration_snapshot": "Snapshot {snapshot} ({why}). 10 s = 1 credit.",
    "telegram.pick_expired": "This choice has expired. Please send the command again.",
    "telegram.not_your_choice": "Only the person who asked can choose here.",
    "telegram.starting": "Starting a {seconds} s video…",
    "telegram.remix_ask": "{user}, reply to this message with the new prompt for a remix of job {id}.",
    "telegram.save_ask": "{user}, reply to this message with a name for the character from job {id} "
                         "(2–32 letters, digits or _), optionally followed by a description.",
    "telegram.remix_placeholder": "The new prompt",
    "telegram.save_placeholder": "name and description",
    "telegram.ask_expired": "That question has expired. Press the button under the video again.",
    "telegram.file_too_big": "That video is {size_mb} MB, but bots can only download files up to {limit_mb} MB "
                             "from Telegram. Send a shorter or smaller video, or give an https link: "
                             "/character add <name> <url>.",
    # Telegram wording of core refusals (the adapter shows "telegram.<key>" for a UserError "<key>" if it exists)
    "telegram.auth.admin_only": "Only admins can use {command} here: the group's creator and administrators "
                                "(also when posting anonymously), or a bot owner.",
    "telegram.job.not_found": "No job {id} in this chat.",
    "telegram.sora.scope_busy": "This chat already has {limit} videos in progress, the most allowed at once. "
                                "Please try again in a few minutes.",
    # --- Discord ----------------------------------------------------------------------------
    "discord.cmd.sora": "Make a short AI video (put @name in the prompt to use a character)",
    "discord.cmd.jobs": "Your recent videos here (queued ones can be cancelled)",
    "discord.cmd.credits": "Your credits left this period",
    "discord.cmd.help": "How to use sorabot",
    "discord.grp.snapshot": "Which model snapshot makes this server's videos (admins)",
    "discord.cmd.snapshot_list": "All snapshots and the one in force here",
    "discord.cmd.snapshot_show": "The snapshot in force here, and why",
    "discord.cmd.snapshot_pin": "Pin a snapshot for this server",
    "discord.cmd.snapshot_unpin": "Go back to the deployment default",
    "discord.cmd.snapshot_canary": "Send a percentage of jobs to another snapshot (0 ends it)",
    "discord.cmd.snapshot_rollback": "Undo the last pin or end the canary",
    "discord.cmd.snapshot_history": "Who changed the snapshot, and when",
    "discord.grp.quota": "Credit allowances of this server's members (admins)",
    "discord.cmd.quota_set": "Set one member's allowance per period",
    "discord.cmd.quota_role": "Set the allowance of members with a role",
    "discord.cmd.quota_default": "Set every member's default allowance per period",
    "discord.cmd.quota_period": "How often allowances reset (UTC)",
    "discord.cmd.quota_usage": "Credits used this period, per member",
    "discord.grp.character": "Community characters to put into videos with @name",
    "discord.cmd.character_add": "Save a character from a video, an https link or a job",
    "discord.cmd.character_list": "The characters of this server",
    "discord.cmd.character_info": "About one character",
    "discord.cmd.character_remove": "Remove a character (your own; admins: any)",
    "discord.opt.prompt": "What the video shows",
    "discord.opt.duration": "Length (10 s = 1 credit)",
    "discord.opt.size": "Landscape or portrait",
    "discord.opt.snapshot_id": "A snapshot id (or alias)",
    "discord.opt.percent": "Share of jobs for the canary, 0–100 (0 ends it)",
    "discord.opt.member": "The member",
    "discord.opt.amount_member": "Credits per period, e.g. 10 or 2.5, or “default”",
    "discord.opt.role": "The role",
    "discord.opt.amount": "Credits per period, e.g. 10 or 2.5",
    "discord.opt.period": "Day, week or month",
    "discord.opt.character_name": "2–32 letters, digits or _",
    "discord.opt.video": "A video of the character (MP4 or MOV)",
    "discord.opt.url": "…or an https link to a video",
    "discord.opt.from_job": "…or the id of one of this server's finished jobs",
    "discord.opt.description": "What the character is",
    "discord.opt.character_pick": "The character",
    "discord.choice.duration_one": "{seconds} s · 1 credit",
    "discord.choice.duration": "{seconds} s · {credits:~credit|credits}",
    "discord.choice.landscape": "Landscape (1280×720)",
    "discord.choice.portrait": "Portrait (720×1280)",
    "discord.help.member": "sorabot makes short AI videos.\n"
                           "• /sora prompt [duration] [size] — make a video (10 s = 1 credit, 15 s = 1.5, 20 s = 2, "
                           "25 s = 2.5). Put @name in the prompt to use a character.\n"
                           "• /credits — your credits this period\n"
                           "• /jobs — your recent videos (queued ones can be cancelled)\n"
                           "• /character add (a video, an https link or a job id) · list · info · remove (your own)\n"
                           "Under each video: Again, Remix (edit the prompt) and Save as character.",
    "discord.help.admin": "Admins (Manage Server, an admin role, or a bot owner):\n"
                          "• /snapshot list · show · pin · unpin · canary · rollback · history\n"
                          "• /quota set <member> · role <role> · default · period · usage\n"
                          "• /character remove (any character)",
    "discord.missing_permissions": "I can't post videos in this channel: I'm missing {perms}. Ask a server admin "
                                   "to give me those permissions here, or use another channel.",
    "discord.perm.view_channel": "View Channel",
    "discord.perm.send_messages": "Send Messages",
    "discord.perm.send_messages_in_threads": "Send Messages in Threads",
    "discord.perm.attach_files": "Attach Files",
    "discord.perm.read_message_history": "Read Message History",
    "discord.thumbnail_only": "The video is larger than this server's {limit_mb} MB upload limit even after "
                              "re-encoding, so here is a still from it. No credits were spent.",
    "discord.attachment_too_large": "That video is {size_mb} MB; characters can be made from videos up to "
                                    "{limit_mb} MB.",
    "discord.character_one_source": "Give one source for the character: a video, an https link, or a job id — "
                                    "not several.",
    "discord.modal.remix_title": "Remix",
    "discord.modal.prompt_label": "New prompt",
    "discord.modal.save_title": "Save as character",
    "discord.modal.name_label": "Character name",
    "discord.modal.name_placeholder": "2–32 letters, digits or _",
    "discord.modal.description_label": "Description (optional)",
    "discord.unknown_button": "This button no longer works. Use /sora or /jobs instead.",
    "discord.cooldown": "Please wait {seconds} s before using this again.",
    # --- providers/storyboard ---------------------------------------------------------------
    "provider.status_header": "Video providers (routing here: {priority}):",
    "provider.status_line": "• {name} ({kind}) — {health} — {in_flight}/{cap} jobs in flight — {failures} "
                            "failure(s) in the last hour, {submits} failed submission(s){last}\n"
                            "  {price} · stability {stability} · durations {durations} s · {features}",
    "provider.health_ok": "✅ in rotation",
    "provider.health_open": "⛔ out of rotation after repeated failures (probed again in {seconds} s)",
    "provider.health_half_open": "🟡 on trial: the next job probes it",
    "provider.last_failure": "; last: {reason}, {ago} s ago",
    "provider.price_request": "${usd} per video",
    "provider.price_second": "${usd} per second",
    "provider.price_snapshot": "the snapshot's price per second",
    "provider.priority_cost": "cheapest first",
    "provider.priority_stability": "most reliable first",
    "provider.priority_set": "Routing here is now {priority}. Each video still goes only to a provider that can "
                             "make it, and on to the next one if that provider fails.",
    "provider.bad_priority": "“{value}” is not a routing priority. Use one of: {allowed}.",
    "quota.usage_by_provider_header": "By provider and snapshot:",
    "quota.usage_provider_line": "• {provider} · {snapshot}: {credits:~credit|credits}, {jobs} video(s), ≈ ${usd}",
    "character.no_provider": "No video service here can take @{name} from this source (task gateways need a "
                             "link they can fetch: try an https URL). Nothing was saved.",
    "storyboard.empty": "A storyboard needs scenes, each written start-end: what happens, one per line or "
                        "separated by ;, e.g. {example}",
    "storyboard.bad_scene": "Scene {index} (“{text}”) is not written start-end: what happens, e.g. {example}",
    "storyboard.no_text": "Scene {index} ({start}-{end} s) says nothing: describe what happens after the colon.",
    "storyboard.backwards": "Scene {index} ends at {end} s, which is not after its start at {start} s.",
    "storyboard.not_from_zero": "The first scene starts at {start} s; a storyboard starts at 0 (e.g. 0-5: …).",
    "storyboard.gap": "There is a gap from {end} s to {start} s between scene {prev} and scene {index}: each scene "
                      "must start where the one before it ends.",
    "storyboard.overlap": "Scene {index} starts at {start} s, before scene {prev} ends at {end} s: scenes must "
                          "not overlap.",
    "storyboard.scene_too_short": "Scene {index} ({start}-{end} s) lasts {length} s; each scene needs at least "
                                  "{min} s.",
    "storyboard.too_many_scenes": "That is {count} scenes; a storyboard can have at most {max}.",
    "storyboard.too_long": "The scenes add up to {total} s, longer than the {max} s {snapshot} can make.",
    "storyboard.bad_total": "The scenes add up to {total} s, but {snapshot} makes videos of {allowed}: end the "
                            "last scene at one of those.",
    "storyboard.no_duration": "A storyboard lasts until its last scene ends: leave out the duration.",
    "discord.cmd.storyboard": "A video told in timed scenes (opens a form: one scene per line)",
    "discord.modal.storyboard_title": "Storyboard",
    "discord.modal.scenes_label": "Scenes, one per line: start-end: what happens",
    "discord.modal.scenes_placeholder": "0-5: sunrise over the city\n5-10: the street wakes up",
    "discord.grp.provider": "Video providers: health and routing priority (admins)",
    "discord.cmd.provider_status": "Each video provider's health, jobs in flight and recent failures",
    "discord.cmd.provider_priority": "Send this server's videos to the cheapest or most reliable provider first",
    "discord.opt.priority": "cost: cheapest first · stability: most reliable first",
}
