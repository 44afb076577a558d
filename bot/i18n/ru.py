"""Russian: the message catalogue. Keys missing here fall back to English."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "yes": "да",
    "no": "нет",
    "error.generic": "Извините, у нас что-то пошло не так. Ничего не списано. (код {ref})",
    "error.unknown_command": "Неизвестная команда /{name}. Команды: {known}. Введите /help, чтобы узнать, как ими "
                             "пользоваться.",
    "error.unknown_subcommand": "Неизвестное действие /{command}: «{name}». Используйте одно из: {allowed}.",
    "error.missing_argument": "Для /{command} не хватает: {what}. Использование: {usage}",
    "error.unknown_option": "Неизвестный параметр {option} для /{command}. Допустимые: {allowed}.",
    "error.bad_duration": "«{value}» — не длительность. Используйте одно из значений: {allowed} (в секундах).",
    "error.bad_syntax": "Не удалось разобрать команду: {detail}. Использование: {usage}",
    "error.not_in_dm": "/{command} работает только на сервере или в группе, а не в личном чате.",
    "auth.admin_only": "Использовать {command} могут только администраторы этого сервера (право «Управлять сервером», "
                       "роль администратора или владелец бота).",
    "why.pin": "закреплён администраторами",
    "why.canary": "канареечный запуск",
    "why.default": "по умолчанию для развёртывания",
    "snapshot.unknown": "Неизвестный снапшот «{id}». Известные снапшоты: {known}.",
    "snapshot.retired": "Снапшот {id} выведен из эксплуатации {date} и больше не может создавать видео. Его преемник "
                        "— {successor}: администратор может выполнить /snapshot pin {successor}.",
    "snapshot.duration_unsupported": "Длительность {seconds} с недоступна на {id}: допустимо {allowed} (не более "
                                     "{max} с). Выберите один из этих вариантов, или администратор может закрепить "
                                     "снапшот, поддерживающий {seconds} с: {alternatives}.",
    "snapshot.storyboard_unsupported": "Раскадровки недоступны на {id}. Администратор может закрепить снапшот с "
                                       "раскадровками: {alternatives}.",
    "snapshot.characters_unsupported": "Персонажи (@имя) недоступны на {id}. Уберите @упоминание, или администратор "
                                       "может закрепить снапшот с персонажами: {alternatives}.",
    "snapshot.list_header": "Снапшоты (◀ = используется здесь):",
    "snapshot.list_line": "• {id} [{label}] — длительность {durations} с — {flags}{marker}",
    "snapshot.alias_line": "• {alias} → {target} (псевдоним, определяется при отправке задания)",
    "snapshot.flag_storyboard": "раскадровка",
    "snapshot.flag_characters": "персонажи",
    "snapshot.flag_retired": "ВЫВЕДЕН (преемник {successor})",
    "snapshot.flag_retires": "выводится {date}",
    "snapshot.show": "Используется: {id} ({why}).\n"
                     "Длительность: {durations}. Раскадровка: {storyboard}. Персонажи: {characters}.\n"
                     "По умолчанию для развёртывания ({environment}): {default}.",
    "snapshot.show_canary": "Канареечный запуск: {percent}% заданий идут на {id}.",
    "snapshot.notice_retired": "⚠ {id} выведен из эксплуатации; задания на нём отклоняются. Закрепите его преемника "
                               "{successor}.",
    "snapshot.notice_retiring": "⚠ {id} будет выведен из эксплуатации {date}. Рекомендуем заранее закрепить его "
                                "преемника {successor}.",
    "snapshot.pinned": "Закреплён {id} (ранее: {before}). Длительность: {durations}.",
    "snapshot.already_pinned": "{id} уже закреплён здесь.",
    "snapshot.not_pinned": "Здесь не закреплён ни один снапшот; используется снапшот по умолчанию для развёртывания "
                           "({default}).",
    "snapshot.unpinned": "{before} откреплён. Теперь используется: {after} (по умолчанию для развёртывания).",
    "snapshot.bad_percent": "«{value}» — не процент. Введите целое число от 0 до 100 (0 завершает канареечный запуск).",
    "snapshot.no_canary": "Здесь не идёт канареечный запуск.",
    "snapshot.canary_same": "{id} уже используется; для канареечного запуска нужен другой снапшот.",
    "snapshot.canary_on": "Канареечный запуск начат: {percent}% заданий идут на {id}, остальные остаются на {base}.",
    "snapshot.canary_off": "Канареечный запуск {id} завершён; все задания используют текущий снапшот.",
    "snapshot.nothing_to_rollback": "Нечего откатывать: канареечный запуск не идёт, и предыдущего закрепления нет.",
    "snapshot.rolled_back": "Откат выполнен ({detail}): {before} → {after}.",
    "snapshot.history_empty": "Снапшот ещё ни разу не менялся.",
    "snapshot.history_header": "История снапшотов (сначала новые):",
    "snapshot.history_line": "• {at} — {who}: {action} {before} → {after}{detail}",
    "provider.none_for_snapshot": "Сейчас ни один настроенный видеопровайдер не обслуживает {snapshot}. Администратор "
                                  "может закрепить другой снапшот (/snapshot list).",
    "provider.none_for_duration": "Ни один видеопровайдер не может сделать видео длиной {seconds} с на {snapshot}. "
                                  "Доступно: {allowed}.",
    "provider.none_for_storyboard": "Ни один видеопровайдер для {snapshot} не принимает раскадровки.",
    "provider.none_for_characters": "Персонажи из этого промпта хранятся не у одного видеопровайдера, обслуживающего "
                                    "{snapshot}. Используйте персонажей, сохранённых у одного провайдера.",
    "sora.empty_prompt": "Опишите видео: /sora нужен промпт, например /sora рыжий кот дремлет на солнце.",
    "sora.prompt_too_long": "Промпт слишком длинный: {length} при лимите {limit} символов. Сократите его, пожалуйста.",
    "sora.bad_size": "Неизвестный размер «{value}». Используйте один из: {allowed}.",
    "sora.too_many_active": "У вас уже создаётся максимум видео одновременно ({limit}). Дождитесь завершения одного "
                            "из них или отмените ожидающее в очереди (/jobs).",
    "sora.scope_busy": "На этом сервере уже создаётся максимум видео одновременно ({limit}). Попробуйте снова через "
                       "несколько минут.",
    "sora.pick_duration": "Какой длины будет «{prompt}»?",
    "status.queued": "🎬 В очереди — позиция {position}\n"
                     "«{prompt}»\n"
                     "Снапшот {snapshot} ({why}) · {seconds} с · в резерве {credits} кр.\n"
                     "Задание {id}",
    "status.submitting": "📤 Отправка в видеосервис…\n"
                         "«{prompt}»\n"
                         "Снапшот {snapshot} ({why}) · {seconds} с · в резерве {credits} кр.\n"
                         "Задание {id}",
    "status.running": "⏳ Генерация {bar} {percent}%\n"
                      "«{prompt}»\n"
                      "Снапшот {snapshot} ({why}) · {seconds} с · в резерве {credits} кр.\n"
                      "Задание {id}",
    "status.delivering": "📦 Завершение и загрузка…\n«{prompt}»\nСнапшот {snapshot} · {seconds} с\nЗадание {id}",
    "status.delivered": "✅ Готово — {seconds} с на {snapshot}, потрачено {credits} кр.\n«{prompt}»\nЗадание {id}",
    "status.cancelled": "🚫 Отменено — возвращено {credits} кр.\n«{prompt}»\nЗадание {id}",
    "status.failed": "❌ Ошибка: {reason}\nКредиты не списаны (возвращено {credits} кр.).\n«{prompt}»\nЗадание {id}",
    "caption": "«{prompt}»\n{snapshot} · {seconds} с · {credits} кр. · задание {id}",
    "reason.moderation": "видеосервис отклонил этот промпт согласно своей политике в отношении контента. Попробуйте "
                         "переформулировать.",
    "reason.invalid_request": "видеосервис отклонил запрос как некорректный.",
    "reason.rate_limited": "видеосервис ограничивает частоту наших запросов. Попробуйте снова через несколько минут.",
    "reason.unavailable": "видеосервис сейчас недоступен. Попробуйте позже.",
    "provider.all_out_of_rotation": "Видеосервисы, которые могут это сделать, сейчас дают сбои и приостановлены "
                                      "примерно на {minutes} мин. Ничего не списано; попробуйте позже.",
    "reason.expired": "готовое видео удалено видеосервисом по истечении срока хранения, прежде чем его удалось "
                      "забрать.",
    "reason.generation_failed": "видеосервису не удалось создать это видео.",
    "reason.deadline": "видеосервис не успел закончить вовремя.",
    "reason.cancelled": "отменено.",
    "reason.submit_interrupted": "бот перезапустился во время отправки этого задания, поэтому оно остановлено, чтобы "
                                 "не заплатить дважды. Нажмите «Ещё раз», чтобы повторить.",
    "reason.character_unavailable": "видеосервис, где хранится персонаж из этого промпта, сейчас недоступен, поэтому "
                                    "видео не создано, чтобы не потерять персонажа. Попробуйте позже.",
    "reason.delivery_failed": "не удалось опубликовать видео здесь (слишком большой файл или не хватает прав).",
    "reason.internal": "внутренняя ошибка.",
    "button.cancel": "Отмена",
    "button.again": "Ещё раз",
    "button.remix": "Ремикс",
    "button.save_character": "Создать персонажа",
    "state.queued": "в очереди",
    "state.submitting": "отправляется",
    "state.running": "генерируется",
    "state.delivering": "доставляется",
    "state.delivered": "доставлено",
    "state.failed": "ошибка",
    "state.cancelled": "отменено",
    "job.not_found": "На этом сервере нет задания {id}.",
    "job.not_yours": "Задание {id} принадлежит другому пользователю; изменить его может только он или администратор.",
    "job.cannot_cancel": "Задание {id} в состоянии «{state}» и больше не может быть отменено (отменить можно только "
                         "задания в очереди).",
    "job.cancelled": "Задание {id} отменено; возвращено {credits} кр.",
    "jobs.none": "У вас здесь пока нет заданий. Попробуйте /sora.",
    "jobs.header": "Ваши последние задания ({count}):",
    "jobs.line": "• {id} — {state}{extra} — {seconds} с на {snapshot}, {credits} кр. — {when} — «{prompt}»",
    "period.day": "день",
    "period.week": "неделя",
    "period.month": "месяц",
    "quota.me": "Текущий период ({period}): использовано {used} кр., {held} в резерве у выполняющихся заданий, "
                "осталось {left} из {allowance}.\n"
                "Сброс: {resets}. (10 с = 1 кредит, 15 с = 1.5, 20 с = 2, 25 с = 2.5)",
    "quota.exhausted": "Недостаточно кредитов: это видео стоит {cost}, а у вас в этом периоде осталось {left} из "
                       "{allowance}. Кредиты обновятся {resets}.",
    "quota.bad_amount": "«{value}» — не количество кредитов. Введите число ≥ 0 не более чем с одним знаком после "
                        "точки, например 10 или 2.5.",
    "quota.bad_period": "«{value}» — не период. Используйте один из: {allowed}.",
    "quota.member_set": "{user} теперь может тратить {credits} кр. за период.",
    "quota.member_cleared": "Для {user} теперь действует лимит сервера по умолчанию.",
    "quota.role_set": "Участники с ролью {role} могут тратить {credits} кр. за период (личная настройка важнее).",
    "quota.default_set": "Теперь каждый участник может тратить {credits} кр. за период, если не задано иное.",
    "quota.period_set": "Период сброса лимитов теперь: {period} (UTC).",
    "quota.usage_header": "Расход за период ({period}, {start} – {end}, лимит по умолчанию {default}):",
    "quota.usage_none": "В этом периоде кредиты ещё не тратились.",
    "quota.usage_line": "• {user}: использовано {used}, в резерве {held}, лимит {allowance}, видео: {jobs}, ≈ ${usd}",
    "quota.usage_total": "Итого: использовано {used} кр., в резерве {held}, видео: {jobs}, ≈ ${usd}.",
    "character.bad_name": "«{name}» не подходит для имени персонажа: используйте 2–32 буквы, цифры или _ (не только "
                          "цифры).",
    "character.reserved_name": "Имя «{name}» зарезервировано, его нельзя дать персонажу.",
    "character.unknown": "Здесь нет персонажа @{name}. Может быть, вы имели в виду {close}? (/character list)",
    "character.unknown_no_close": "Здесь нет персонажа @{name}. Посмотрите /character list или добавьте персонажа "
                                  "через /character add.",
    "character.exists": "Персонаж @{name} здесь уже есть. Выберите другое имя.",
    "character.not_a_video": "Я не могу прочитать этот файл как видео. Используйте видео в формате MP4 или MOV.",
    "character.provider_failed": "Видеосервису не удалось создать @{name} ({reason}). Ничего не сохранено.",
    "character.not_owner": "@{name} принадлежит пользователю {owner}; удалить персонажа может только владелец или "
                           "администратор.",
    "character.job_not_ready": "У задания {id} нет готового видео, из которого можно сделать персонажа.",
    "character.added": "@{name} сохранён. Добавьте @{name} в промпт /sora, чтобы использовать персонажа.",
    "character.none": "Здесь пока нет персонажей. Добавьте первого через /character add.",
    "character.list_header": "Персонажи ({count}):",
    "character.list_line": "• @{name} — {description} (автор: {owner})",
    "character.info": "@{name}\n"
                      "{description}\n"
                      "Автор: {owner}, создан {created}, источник: {source}. Хранится у: {providers}.",
    "character.removed": "@{name} удалён.",
    "character.need_source": "Укажите видео для персонажа: прикрепите его, ответьте на сообщение с видео, дайте "
                             "ссылку https или from_job:<job id>.",
    "character_url.not_https": "Для персонажей можно использовать только ссылки https:// ({url}).",
    "character_url.bad_url": "Это не похоже на корректную ссылку: {url}",
    "character_url.private_address": "Ссылка ведёт на частный или локальный адрес, а это запрещено ({url}).",
    "character_url.resolve_failed": "Не удалось найти сервер по этой ссылке ({url}).",
    "character_url.too_many_redirects": "Ссылка перенаправляет слишком много раз ({url}).",
    "character_url.http_status": "Ссылка ответила HTTP {status} ({url}).",
    "character_url.too_large": "Видео больше допустимых {limit_mb} МБ ({url}).",
    "character_url.bad_type": "По ссылке не видео, а {content_type} ({url}).",
    "character_url.timeout": "Загрузка по ссылке заняла слишком много времени ({url}).",
    "character_url.connection": "Не удалось подключиться к серверу по ссылке ({url}).",
    "help.member": "sorabot делает короткие ИИ-видео.\n"
                   "• /sora <промпт> [duration 10|15|20|25] [size landscape|portrait] — создать видео (10 с = 1 "
                   "кредит, 15 с = 1.5, 20 с = 2, 25 с = 2.5). Добавьте @имя в промпт, чтобы использовать персонажа.\n"
                   "• /sora storyboard 0-5: <сцена>; 5-10: <сцена> — видео из сцен с таймингом (по одной на строку "
                   "или через ;); стоит столько, сколько длится целиком\n"
                   "• /quota — ваши кредиты за период\n"
                   "• /jobs — ваши недавние задания (те, что в очереди, можно отменить)\n"
                   "• /character add <имя> (видео, ссылка https или from_job:<id>) · /character list · /character "
                   "info <имя> · /character remove <имя> (своих)\n"
                   "• /snapshot list · /snapshot show — какая версия модели делает ваши видео",
    "help.admin": "Администраторам:\n"
                  "• /snapshot pin <id> · unpin · canary <id> <процент> · rollback · history\n"
                  "• /quota set <участник> <кредиты|default> · default <кредиты> · period day|week|month · usage\n"
                  "• /provider status · priority cost|stability — состояние видеопровайдеров и кто из них идёт "
                  "первым\n"
                  "• /character remove <имя> (любого персонажа)",
    "telegram.cmd.sora": "Создать видео: /sora 15 рыжий кот дремлет на солнце",
    "telegram.cmd.jobs": "Ваши недавние видео (из очереди можно отменить)",
    "telegram.cmd.quota": "Ваши кредиты за период",
    "telegram.cmd.quota_admin": "Кредиты: ваши, или настройка лимитов (set, default, period, usage)",
    "telegram.cmd.character": "Персонажи: add (ответом на видео), list, info, remove",
    "telegram.cmd.snapshot": "Какая версия модели делает здесь видео (list, show)",
    "telegram.cmd.snapshot_admin": "Версия модели: list, show, pin, unpin, canary, rollback, history",
    "telegram.cmd.help": "Справка по боту",
    "telegram.cmd.storyboard": "Несколько сцен в одном видео: по одной «0-5: рассвет» в строке",
    "telegram.cmd.provider_admin": "Видеосервисы: status, priority cost|stability",
    "telegram.cmd.start": "Что умеет этот бот",
    "telegram.duration_button": "{seconds} с · {credits} кр.",
    "telegram.pick_duration_snapshot": "Снапшот {snapshot} ({why}). 10 с = 1 кредит.",
    "telegram.pick_expired": "Время выбора истекло. Отправьте команду ещё раз.",
    "telegram.not_your_choice": "Выбирать здесь может только тот, кто отправил запрос.",
    "telegram.starting": "Запускаю видео на {seconds} с…",
    "telegram.remix_ask": "{user}, ответьте на это сообщение новым промптом для ремикса задания {id}.",
    "telegram.save_ask": "{user}, ответьте на это сообщение именем для персонажа из задания {id} (2–32 буквы, цифры "
                         "или _); после имени можно добавить описание.",
    "telegram.remix_placeholder": "Новый промпт",
    "telegram.save_placeholder": "имя и описание",
    "telegram.ask_expired": "Время ответа истекло. Нажмите кнопку под видео ещё раз.",
    "telegram.file_too_big": "Видео весит {size_mb} МБ, а боты могут скачивать из Telegram файлы не больше {limit_mb} "
                             "МБ. Отправьте видео покороче или поменьше либо дайте ссылку https: /character add <имя> "
                             "<url>.",
    "telegram.auth.admin_only": "Здесь {command} могут использовать только администраторы: создатель группы и её "
                                "администраторы (в том числе при анонимной публикации) или владелец бота.",
    "telegram.job.not_found": "В этом чате нет задания {id}.",
    "telegram.sora.scope_busy": "В этом чате уже создаётся максимум видео одновременно ({limit}). Попробуйте снова "
                                "через несколько минут.",
    "discord.cmd.sora": "Создать короткое ИИ-видео (@имя в промпте — использовать персонажа)",
    "discord.cmd.jobs": "Ваши недавние видео здесь (из очереди можно отменить)",
    "discord.cmd.credits": "Остаток кредитов за период",
    "discord.cmd.help": "Справка по sorabot",
    "discord.grp.snapshot": "Какой снапшот модели делает видео сервера (админы)",
    "discord.cmd.snapshot_list": "Все снапшоты и используемый здесь",
    "discord.cmd.snapshot_show": "Снапшот, используемый здесь, и почему",
    "discord.cmd.snapshot_pin": "Закрепить снапшот для сервера",
    "discord.cmd.snapshot_unpin": "Вернуть снапшот по умолчанию",
    "discord.cmd.snapshot_canary": "Отправлять часть заданий на другой снапшот (0 — стоп)",
    "discord.cmd.snapshot_rollback": "Откатить закрепление или канарейку",
    "discord.cmd.snapshot_history": "Кто и когда менял снапшот",
    "discord.grp.quota": "Лимиты кредитов участников сервера (админы)",
    "discord.cmd.quota_set": "Лимит участника на период",
    "discord.cmd.quota_role": "Лимит участников с ролью",
    "discord.cmd.quota_default": "Лимит по умолчанию для всех на период",
    "discord.cmd.quota_period": "Как часто сбрасываются лимиты (UTC)",
    "discord.cmd.quota_usage": "Расход кредитов за период по участникам",
    "discord.grp.character": "Персонажи сообщества для видео через @имя",
    "discord.cmd.character_add": "Сохранить персонажа из видео, ссылки https или задания",
    "discord.cmd.character_list": "Персонажи этого сервера",
    "discord.cmd.character_info": "О персонаже",
    "discord.cmd.character_remove": "Удалить персонажа (своего; админы — любого)",
    "discord.opt.prompt": "Что показывает видео",
    "discord.opt.duration": "Длина (10 с = 1 кредит)",
    "discord.opt.size": "Ориентация видео",
    "discord.opt.snapshot_id": "ID снапшота (или псевдоним)",
    "discord.opt.percent": "Доля заданий для канарейки, 0–100 (0 — стоп)",
    "discord.opt.member": "Участник",
    "discord.opt.amount_member": "Кредитов за период, напр. 10 или 2.5, или «default»",
    "discord.opt.role": "Роль",
    "discord.opt.amount": "Кредитов за период, напр. 10 или 2.5",
    "discord.opt.period": "День, неделя или месяц",
    "discord.opt.character_name": "2–32 буквы, цифры или _",
    "discord.opt.video": "Видео с персонажем (MP4 или MOV)",
    "discord.opt.url": "…или ссылка https на видео",
    "discord.opt.from_job": "…или ID готового задания этого сервера",
    "discord.opt.description": "Описание персонажа",
    "discord.opt.character_pick": "Персонаж",
    "discord.choice.duration_one": "{seconds} с · 1 кредит",
    "discord.choice.duration": "{seconds} с · {credits} кр.",
    "discord.choice.landscape": "Горизонтальное (1280×720)",
    "discord.choice.portrait": "Вертикальное (720×1280)",
    "discord.help.member": "sorabot делает короткие ИИ-видео.\n"
                           "• /sora prompt [duration] [size] — создать видео (10 с = 1 кредит, 15 с = 1.5, 20 с = 2, "
                           "25 с = 2.5). Добавьте @имя в промпт, чтобы использовать персонажа.\n"
                           "• /credits — ваши кредиты за период\n"
                           "• /jobs — ваши недавние видео (те, что в очереди, можно отменить)\n"
                           "• /character add (видео, ссылка https или ID задания) · list · info · remove (своих)\n"
                           "Под каждым видео: «Ещё раз», «Ремикс» (изменить промпт) и «Создать персонажа».",
    "discord.help.admin": "Администраторам (право «Управлять сервером», роль администратора или владелец бота):\n"
                          "• /snapshot list · show · pin · unpin · canary · rollback · history\n"
                          "• /quota set <участник> · role <роль> · default · period · usage\n"
                          "• /character remove (любого персонажа)",
    "discord.missing_permissions": "Я не могу публиковать видео в этом канале: мне не хватает прав: {perms}. "
                                   "Попросите администратора сервера выдать мне эти права здесь или используйте "
                                   "другой канал.",
    "discord.perm.view_channel": "Просматривать канал",
    "discord.perm.send_messages": "Отправлять сообщения",
    "discord.perm.send_messages_in_threads": "Отправлять сообщения в ветках",
    "discord.perm.attach_files": "Прикреплять файлы",
    "discord.perm.read_message_history": "Читать историю сообщений",
    "discord.thumbnail_only": "Даже после перекодирования видео превышает лимит загрузки этого сервера ({limit_mb} "
                              "МБ), поэтому вот кадр из него. Кредиты не списаны.",
    "discord.attachment_too_large": "Видео весит {size_mb} МБ; персонажей можно создавать из видео размером до "
                                    "{limit_mb} МБ.",
    "discord.character_one_source": "Укажите для персонажа один источник: видео, ссылку https или ID задания — не "
                                    "несколько.",
    "discord.modal.remix_title": "Ремикс",
    "discord.modal.prompt_label": "Новый промпт",
    "discord.modal.save_title": "Создать персонажа",
    "discord.modal.name_label": "Имя персонажа",
    "discord.modal.name_placeholder": "2–32 буквы, цифры или _",
    "discord.modal.description_label": "Описание (необязательно)",
    "discord.unknown_button": "Эта кнопка больше не работает. Используйте /sora или /jobs.",
    "discord.cooldown": "Подождите {seconds} с, прежде чем использовать это снова.",
    "provider.status_header": "Видеопровайдеры (маршрутизация здесь: {priority}):",
    "provider.status_line": "• {name} ({kind}) — {health} — заданий в работе: {in_flight}/{cap} — сбоев за последний "
                            "час: {failures}, неудачных отправок: {submits}{last}\n"
                            "  {price} · стабильность {stability} · длительность {durations} с · {features}",
    "provider.health_ok": "✅ в ротации",
    "provider.health_open": "⛔ выведен из ротации после повторных сбоев (повторная проверка через {seconds} с)",
    "provider.health_half_open": "🟡 на испытании: следующее задание проверит его",
    "provider.last_failure": "; последний: {reason}, {ago} с назад",
    "provider.price_request": "${usd} за видео",
    "provider.price_second": "${usd} за секунду",
    "provider.price_snapshot": "цена снапшота за секунду",
    "provider.priority_cost": "сначала самый дешёвый",
    "provider.priority_stability": "сначала самый надёжный",
    "provider.priority_set": "Маршрутизация здесь теперь: {priority}. Каждое видео по-прежнему отправляется только "
                             "провайдеру, который может его сделать, а при его сбое — следующему.",
    "provider.bad_priority": "«{value}» — не приоритет маршрутизации. Используйте один из: {allowed}.",
    "quota.usage_by_provider_header": "По провайдерам и снапшотам:",
    "quota.usage_provider_line": "• {provider} · {snapshot}: {credits} кр., видео: {jobs}, ≈ ${usd}",
    "character.no_provider": "Ни один видеосервис здесь не может принять @{name} из этого источника (шлюзам задач "
                             "нужна ссылка, которую они могут скачать: попробуйте URL https). Ничего не сохранено.",
    "storyboard.empty": "Раскадровке нужны сцены, каждая в виде начало-конец: что происходит, по одной на строку или "
                        "через ;, например {example}",
    "storyboard.bad_scene": "Сцена {index} («{text}») записана не в виде начало-конец: что происходит, например "
                            "{example}",
    "storyboard.no_text": "В сцене {index} ({start}-{end} с) ничего не сказано: опишите после двоеточия, что "
                          "происходит.",
    "storyboard.backwards": "Сцена {index} заканчивается на {end} с, а это не позже её начала на {start} с.",
    "storyboard.not_from_zero": "Первая сцена начинается на {start} с; раскадровка начинается с 0 (например 0-5: …).",
    "storyboard.gap": "Между сценой {prev} и сценой {index} пропуск с {end} по {start} с: каждая сцена должна "
                      "начинаться там, где заканчивается предыдущая.",
    "storyboard.overlap": "Сцена {index} начинается на {start} с, до окончания сцены {prev} на {end} с: сцены не "
                          "должны перекрываться.",
    "storyboard.scene_too_short": "Сцена {index} ({start}-{end} с) длится {length} с; каждая сцена должна длиться не "
                                  "меньше {min} с.",
    "storyboard.too_many_scenes": "Сцен: {count}, а в раскадровке может быть не больше {max}.",
    "storyboard.too_long": "Сцены в сумме длятся {total} с — дольше, чем {max} с, которые может сделать {snapshot}.",
    "storyboard.bad_total": "Сцены в сумме длятся {total} с, но {snapshot} делает видео длиной {allowed}: закончите "
                            "последнюю сцену на одном из этих значений.",
    "storyboard.no_duration": "Раскадровка длится до конца последней сцены: не указывайте длительность.",
}
