"""Simplified Chinese: the message catalogue. Keys missing here fall back to English."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "yes": "是",
    "no": "否",
    "error.generic": "抱歉，我们这边出了点问题。没有扣除任何积分。（参考编号 {ref}）",
    "error.unknown_command": "未知命令 /{name}。可用命令：{known}。输入 /help 查看用法。",
    "error.unknown_subcommand": "/{command} 没有“{name}”这个操作。请使用：{allowed}。",
    "error.missing_argument": "/{command} 缺少参数：{what}。用法：{usage}",
    "error.unknown_option": "/{command} 没有 {option} 这个选项。可用选项：{allowed}。",
    "error.bad_duration": "“{value}”不是有效的时长。请使用：{allowed}（秒）。",
    "error.bad_syntax": "无法识别这条命令：{detail}。用法：{usage}",
    "error.not_in_dm": "/{command} 只能在服务器或群组中使用，不能在私聊中使用。",
    "auth.admin_only": "只有本服务器的管理员才能使用 {command}（需要“管理服务器”权限、管理员身份组，或是机器人所有"
                       "者）。",
    "why.pin": "管理员固定",
    "why.canary": "灰度测试",
    "why.default": "部署默认值",
    "snapshot.unknown": "未知快照“{id}”。已知快照：{known}。",
    "snapshot.retired": "快照 {id} 已于 {date} 停用，无法再生成视频。它的后继版本是 {successor}：管理员可以执行 "
                        "/snapshot pin {successor}。",
    "snapshot.duration_unsupported": "{id} 不支持 {seconds} 秒：可用时长为 {allowed}（最长 {max} 秒）。请从中选择，或"
                                     "请管理员固定一个支持 {seconds} 秒的快照：{alternatives}。",
    "snapshot.storyboard_unsupported": "{id} 不支持故事板。管理员可以固定一个支持故事板的快照：{alternatives}。",
    "snapshot.characters_unsupported": "{id} 不支持角色（@名称）。请删除 @提及，或请管理员固定一个支持角色的快照："
                                       "{alternatives}。",
    "snapshot.list_header": "快照（◀ = 此处生效）：",
    "snapshot.list_line": "• {id} [{label}] — 时长 {durations} 秒 — {flags}{marker}",
    "snapshot.alias_line": "• {alias} → {target}（别名，提交任务时解析）",
    "snapshot.flag_storyboard": "故事板",
    "snapshot.flag_characters": "角色",
    "snapshot.flag_retired": "已停用（后继版本 {successor}）",
    "snapshot.flag_retires": "将于 {date} 停用",
    "snapshot.show": "当前生效：{id}（{why}）。\n"
                     "时长：{durations}。故事板：{storyboard}。角色：{characters}。\n"
                     "部署默认值（{environment}）：{default}。",
    "snapshot.show_canary": "灰度测试：{percent}% 的任务使用 {id}。",
    "snapshot.notice_retired": "⚠ {id} 已停用，使用它的任务会被拒绝。请固定它的后继版本 {successor}。",
    "snapshot.notice_retiring": "⚠ {id} 将于 {date} 停用。建议在此之前固定它的后继版本 {successor}。",
    "snapshot.pinned": "已固定 {id}（之前为 {before}）。时长：{durations}。",
    "snapshot.already_pinned": "此处已经固定了 {id}。",
    "snapshot.not_pinned": "此处没有固定任何快照，当前使用部署默认值（{default}）。",
    "snapshot.unpinned": "已取消固定 {before}。当前生效：{after}（部署默认值）。",
    "snapshot.bad_percent": "“{value}”不是百分比。请使用 0 到 100 的整数（0 表示结束灰度测试）。",
    "snapshot.no_canary": "此处没有正在进行的灰度测试。",
    "snapshot.canary_same": "{id} 已经是当前生效的快照；灰度测试需要使用另一个快照。",
    "snapshot.canary_on": "灰度测试已开始：{percent}% 的任务使用 {id}，其余仍使用 {base}。",
    "snapshot.canary_off": "{id} 的灰度测试已结束；所有任务都使用当前生效的快照。",
    "snapshot.nothing_to_rollback": "没有可回滚的内容：当前没有灰度测试，也没有之前的固定记录。",
    "snapshot.rolled_back": "已回滚（{detail}）：{before} → {after}。",
    "snapshot.history_empty": "快照尚无任何变更。",
    "snapshot.history_header": "快照变更记录（最新的在前）：",
    "snapshot.history_line": "• {at} — {who}：{action} {before} → {after}{detail}",
    "provider.none_for_snapshot": "目前没有已配置的视频服务商支持 {snapshot}。管理员可以固定其他快照（/snapshot "
                                  "list）。",
    "provider.none_for_duration": "没有视频服务商能用 {snapshot} 生成 {seconds} 秒的视频。可用时长：{allowed}。",
    "provider.none_for_storyboard": "支持 {snapshot} 的视频服务商都不接受故事板。",
    "provider.none_for_characters": "这条提示词中的角色并非都保存在同一个支持 {snapshot} 的视频服务商。请使用保存在同"
                                    "一服务商的角色。",
    "sora.empty_prompt": "请描述视频内容：/sora 需要提示词，例如 /sora 一只橘猫在阳光下打盹。",
    "sora.prompt_too_long": "提示词长度为 {length} 个字符，上限为 {limit}。请缩短一些。",
    "sora.bad_size": "未知尺寸“{value}”。请使用：{allowed}。",
    "sora.too_many_active": "你已有 {limit} 个视频正在生成，已达到同时进行的上限。请等待其中一个完成，或取消排队中的视"
                            "频（/jobs）。",
    "sora.scope_busy": "本服务器已有 {limit} 个视频正在生成，已达到同时进行的上限。请几分钟后再试。",
    "sora.pick_duration": "“{prompt}”要多长？",
    "status.queued": "🎬 排队中 — 第 {position} 位\n"
                     "“{prompt}”\n"
                     "快照 {snapshot}（{why}）· {seconds} 秒 · 已预留 {credits} 积分\n"
                     "任务 {id}",
    "status.submitting": "📤 正在发送到视频服务…\n"
                         "“{prompt}”\n"
                         "快照 {snapshot}（{why}）· {seconds} 秒 · 已预留 {credits} 积分\n"
                         "任务 {id}",
    "status.running": "⏳ 生成中 {bar} {percent}%\n"
                      "“{prompt}”\n"
                      "快照 {snapshot}（{why}）· {seconds} 秒 · 已预留 {credits} 积分\n"
                      "任务 {id}",
    "status.delivering": "📦 正在收尾并上传…\n“{prompt}”\n快照 {snapshot} · {seconds} 秒\n任务 {id}",
    "status.delivered": "✅ 完成 — 使用 {snapshot} 生成 {seconds} 秒，消耗 {credits} 积分。\n“{prompt}”\n任务 {id}",
    "status.cancelled": "🚫 已取消 — 已退还 {credits} 积分。\n“{prompt}”\n任务 {id}",
    "status.failed": "❌ 失败：{reason}\n未消耗任何积分（已退还 {credits}）。\n“{prompt}”\n任务 {id}",
    "caption": "“{prompt}”\n{snapshot} · {seconds} 秒 · {credits} 积分 · 任务 {id}",
    "reason.moderation": "视频服务根据其内容政策拒绝了这条提示词。请换个说法试试。",
    "reason.invalid_request": "视频服务认为该请求无效，已拒绝。",
    "reason.rate_limited": "视频服务正在限制我们的请求频率。请几分钟后再试。",
    "reason.unavailable": "视频服务暂时不可用。请稍后再试。",
    "provider.all_out_of_rotation": "能制作此视频的服务目前频繁出错，已暂停约 {minutes} 分钟。"
                                    "未扣除任何额度；请稍后再试。",
    "reason.expired": "生成好的视频在取回之前已在视频服务端过期。",
    "reason.generation_failed": "视频服务无法生成这个视频。",
    "reason.deadline": "视频服务未能按时完成。",
    "reason.cancelled": "已取消。",
    "reason.submit_interrupted": "发送此任务时机器人重启了，为避免重复扣费，任务已停止。请点击“再来一次”重试。",
    "reason.character_unavailable": "保存这条提示词中某个角色的视频服务暂时不可用；为了不遗漏该角色，视频没有生成。请"
                                    "稍后再试。",
    "reason.delivery_failed": "无法在此处发布视频（文件过大或缺少权限）。",
    "reason.internal": "内部错误。",
    "button.cancel": "取消",
    "button.again": "再来一次",
    "button.remix": "重混",
    "button.save_character": "存为角色",
    "state.queued": "排队中",
    "state.submitting": "提交中",
    "state.running": "生成中",
    "state.delivering": "交付中",
    "state.delivered": "已交付",
    "state.failed": "失败",
    "state.cancelled": "已取消",
    "job.not_found": "本服务器中没有任务 {id}。",
    "job.not_yours": "任务 {id} 属于其他人；只有本人或管理员可以修改。",
    "job.cannot_cancel": "任务 {id} 的状态为“{state}”，已无法取消（只能取消排队中的任务）。",
    "job.cancelled": "已取消任务 {id}；已退还 {credits} 积分。",
    "jobs.none": "你在这里还没有任务。试试 /sora 吧。",
    "jobs.header": "你最近的 {count} 个任务：",
    "jobs.line": "• {id} — {state}{extra} — {snapshot} · {seconds} 秒，{credits} 积分 — {when} — “{prompt}”",
    "period.day": "日",
    "period.week": "周",
    "period.month": "月",
    "quota.me": "本{period}：已使用 {used} 积分，进行中的任务预留 {held} 积分，额度 {allowance} 积分还剩 {left}。\n"
                "重置时间：{resets}。（10 秒 = 1 积分，15 秒 = 1.5，20 秒 = 2，25 秒 = 2.5）",
    "quota.exhausted": "积分不足：这个视频需要 {cost} 积分，你本期的额度 {allowance} 积分只剩 {left}。积分将于 "
                       "{resets} 重置。",
    "quota.bad_amount": "“{value}”不是有效的积分数。请使用 ≥ 0、最多一位小数的数字，例如 10 或 2.5。",
    "quota.bad_period": "“{value}”不是有效的周期。请使用：{allowed}。",
    "quota.member_set": "{user} 现在每个周期可使用 {credits} 积分。",
    "quota.member_cleared": "{user} 现在使用服务器的默认额度。",
    "quota.role_set": "拥有 {role} 身份组的成员每个周期可使用 {credits} 积分（个人设置优先）。",
    "quota.default_set": "除非另有设置，每位成员现在每个周期可使用 {credits} 积分。",
    "quota.period_set": "额度现在每{period}重置一次（UTC）。",
    "quota.usage_header": "本{period}用量（{start} – {end}，默认额度 {default} 积分）：",
    "quota.usage_none": "本周期尚未使用任何积分。",
    "quota.usage_line": "• {user}：已使用 {used}，预留 {held}，额度 {allowance}，{jobs} 个视频，≈ ${usd}",
    "quota.usage_total": "合计：已使用 {used} 积分，预留 {held}，{jobs} 个视频，≈ ${usd}。",
    "character.bad_name": "“{name}”不能作为角色名称：请使用 2–32 个文字、数字或 _（不能全是数字）。",
    "character.reserved_name": "“{name}”是保留名称，不能作为角色名称。",
    "character.unknown": "这里没有角色 @{name}。你是不是想找 {close}？（/character list）",
    "character.unknown_no_close": "这里没有角色 @{name}。请查看 /character list，或用 /character add 添加一个。",
    "character.exists": "这里已经有名为 @{name} 的角色了。请换一个名称。",
    "character.not_a_video": "这个文件不是我能读取的视频。请使用 MP4 或 MOV 格式的视频。",
    "character.provider_failed": "视频服务无法创建 @{name}（{reason}）。没有保存任何内容。",
    "character.not_owner": "@{name} 属于 {owner}；只有本人或管理员可以删除。",
    "character.job_not_ready": "任务 {id} 没有已完成的视频可用来创建角色。",
    "character.added": "已保存 @{name}。在 /sora 提示词中加入 @{name} 即可使用。",
    "character.none": "这里还没有角色。用 /character add 添加一个吧。",
    "character.list_header": "角色（{count}）：",
    "character.list_line": "• @{name} — {description}（由 {owner} 创建）",
    "character.info": "@{name}\n{description}\n由 {owner} 于 {created} 创建，来源：{source}。保存在：{providers}。",
    "character.removed": "已删除 @{name}。",
    "character.need_source": "请为角色提供视频：附加一个视频、回复一个视频、提供 https 网址，或使用 "
                             "from_job:<job id>。",
    "character_url.not_https": "角色只能使用 https:// 链接（{url}）。",
    "character_url.bad_url": "这似乎不是有效的链接：{url}",
    "character_url.private_address": "该链接指向私有或本地地址，不允许使用（{url}）。",
    "character_url.resolve_failed": "找不到该链接的服务器（{url}）。",
    "character_url.too_many_redirects": "该链接重定向次数过多（{url}）。",
    "character_url.http_status": "该链接返回了 HTTP {status}（{url}）。",
    "character_url.too_large": "该视频超过了允许的 {limit_mb} MB（{url}）。",
    "character_url.bad_type": "该链接不是视频（而是 {content_type}）（{url}）。",
    "character_url.timeout": "获取该链接耗时过长（{url}）。",
    "character_url.connection": "无法连接到该链接的服务器（{url}）。",
    "help.member": "sorabot 可以生成 AI 短视频。\n"
                   "• /sora <提示词> [duration 10|15|20|25] [size landscape|portrait] — 生成视频（10 秒 = 1 积分，15 "
                   "秒 = 1.5，20 秒 = 2，25 秒 = 2.5）。在提示词中加入 @名称 即可使用角色。\n"
                   "• /sora storyboard 0-5: <场景>; 5-10: <场景> — 按时间分场景讲述的视频（每行一个场景，或用 ; 分"
                   "隔）；按总时长计费\n"
                   "• /quota — 你本期的积分\n"
                   "• /jobs — 你最近的任务（排队中的可以取消）\n"
                   "• /character add <名称>（视频、https 网址或 from_job:<id>）· /character list · /character info "
                   "<名称> · /character remove <名称>（仅限自己的）\n"
                   "• /snapshot list · /snapshot show — 哪个模型版本在生成你的视频",
    "help.admin": "管理员：\n"
                  "• /snapshot pin <id> · unpin · canary <id> <百分比> · rollback · history\n"
                  "• /quota set <成员> <积分|default> · default <积分> · period day|week|month · usage\n"
                  "• /provider status · priority cost|stability — 视频服务商的健康状况，以及优先使用哪一家\n"
                  "• /character remove <名称>（任意角色）",
    "telegram.cmd.sora": "生成视频：/sora 15 一只橘猫在阳光下打盹",
    "telegram.cmd.jobs": "你最近的视频（排队中的可以取消）",
    "telegram.cmd.quota": "你本期的积分",
    "telegram.cmd.quota_admin": "积分：查看你的积分，或设置额度（set、default、period、usage）",
    "telegram.cmd.character": "角色：add（回复一个视频）、list、info、remove",
    "telegram.cmd.snapshot": "这里由哪个模型版本生成视频（list、show）",
    "telegram.cmd.snapshot_admin": "模型版本：list、show、pin、unpin、canary、rollback、history",
    "telegram.cmd.help": "如何使用机器人",
    "telegram.cmd.storyboard": "一个视频多个场景：每行一个“0-5: 日出”",
    "telegram.cmd.provider_admin": "视频服务：status、priority cost|stability",
    "telegram.cmd.start": "这个机器人能做什么",
    "telegram.duration_button": "{seconds} 秒 · {credits} 积分",
    "telegram.pick_duration_snapshot": "快照 {snapshot}（{why}）。10 秒 = 1 积分。",
    "telegram.pick_expired": "该选项已过期。请重新发送命令。",
    "telegram.not_your_choice": "只有发起请求的人才能在这里选择。",
    "telegram.starting": "开始生成 {seconds} 秒的视频…",
    "telegram.remix_ask": "{user}，请回复这条消息并输入新的提示词，以重混任务 {id}。",
    "telegram.save_ask": "{user}，请回复这条消息并输入要从任务 {id} 创建的角色名称（2–32 个文字、数字或 _），后面可以"
                         "再加上描述。",
    "telegram.remix_placeholder": "新的提示词",
    "telegram.save_placeholder": "名称和描述",
    "telegram.ask_expired": "该问题已过期。请再次点击视频下方的按钮。",
    "telegram.file_too_big": "该视频有 {size_mb} MB，但机器人只能从 Telegram 下载不超过 {limit_mb} MB 的文件。请发送更"
                             "短或更小的视频，或提供 https 链接：/character add <名称> <url>。",
    "telegram.auth.admin_only": "这里只有管理员可以使用 {command}：群组创建者和管理员（包括匿名发言时），或机器人所有"
                                "者。",
    "telegram.job.not_found": "此聊天中没有任务 {id}。",
    "telegram.sora.scope_busy": "此聊天已有 {limit} 个视频正在生成，已达到同时进行的上限。请几分钟后再试。",
    "discord.cmd.sora": "生成 AI 短视频（在提示词中加入 @名称 即可使用角色）",
    "discord.cmd.jobs": "你在这里最近的视频（排队中的可以取消）",
    "discord.cmd.credits": "你本期剩余的积分",
    "discord.cmd.help": "如何使用 sorabot",
    "discord.grp.snapshot": "由哪个模型快照生成本服务器的视频（管理员）",
    "discord.cmd.snapshot_list": "所有快照，以及此处生效的快照",
    "discord.cmd.snapshot_show": "此处生效的快照及原因",
    "discord.cmd.snapshot_pin": "为本服务器固定一个快照",
    "discord.cmd.snapshot_unpin": "恢复为部署默认值",
    "discord.cmd.snapshot_canary": "将一定比例的任务发往另一个快照（0 表示结束）",
    "discord.cmd.snapshot_rollback": "撤销上一次固定，或结束灰度测试",
    "discord.cmd.snapshot_history": "谁在何时更改了快照",
    "discord.grp.quota": "本服务器成员的积分额度（管理员）",
    "discord.cmd.quota_set": "设置单个成员每期的额度",
    "discord.cmd.quota_role": "设置拥有某身份组的成员的额度",
    "discord.cmd.quota_default": "设置每位成员每期的默认额度",
    "discord.cmd.quota_period": "额度多久重置一次（UTC）",
    "discord.cmd.quota_usage": "本期各成员使用的积分",
    "discord.grp.character": "可用 @名称 放进视频的社区角色",
    "discord.cmd.character_add": "从视频、https 链接或任务保存角色",
    "discord.cmd.character_list": "本服务器的角色",
    "discord.cmd.character_info": "查看某个角色的信息",
    "discord.cmd.character_remove": "删除角色（限自己的；管理员可删除任意角色）",
    "discord.opt.prompt": "视频的内容",
    "discord.opt.duration": "时长（10 秒 = 1 积分）",
    "discord.opt.size": "横屏或竖屏",
    "discord.opt.snapshot_id": "快照 ID（或别名）",
    "discord.opt.percent": "分配给灰度测试的任务比例，0–100（0 表示结束）",
    "discord.opt.member": "成员",
    "discord.opt.amount_member": "每期积分，例如 10 或 2.5，或“default”",
    "discord.opt.role": "身份组",
    "discord.opt.amount": "每期积分，例如 10 或 2.5",
    "discord.opt.period": "日、周或月",
    "discord.opt.character_name": "2–32 个文字、数字或 _",
    "discord.opt.video": "角色的视频（MP4 或 MOV）",
    "discord.opt.url": "…或视频的 https 链接",
    "discord.opt.from_job": "…或本服务器中已完成任务的 ID",
    "discord.opt.description": "这个角色是什么",
    "discord.opt.character_pick": "角色",
    "discord.choice.duration_one": "{seconds} 秒 · 1 积分",
    "discord.choice.duration": "{seconds} 秒 · {credits} 积分",
    "discord.choice.landscape": "横屏（1280×720）",
    "discord.choice.portrait": "竖屏（720×1280）",
    "discord.help.member": "sorabot 可以生成 AI 短视频。\n"
                           "• /sora prompt [duration] [size] — 生成视频（10 秒 = 1 积分，15 秒 = 1.5，20 秒 = 2，25 "
                           "秒 = 2.5）。在提示词中加入 @名称 即可使用角色。\n"
                           "• /credits — 你本期的积分\n"
                           "• /jobs — 你最近的视频（排队中的可以取消）\n"
                           "• /character add（视频、https 链接或任务 ID）· list · info · remove（仅限自己的）\n"
                           "每个视频下方都有：再来一次、重混（编辑提示词）和存为角色。",
    "discord.help.admin": "管理员（拥有“管理服务器”权限、管理员身份组，或机器人所有者）：\n"
                          "• /snapshot list · show · pin · unpin · canary · rollback · history\n"
                          "• /quota set <成员> · role <身份组> · default · period · usage\n"
                          "• /character remove（任意角色）",
    "discord.missing_permissions": "我无法在此频道发布视频：我缺少以下权限：{perms}。请服务器管理员在这里为我授予这些"
                                   "权限，或改用其他频道。",
    "discord.perm.view_channel": "查看频道",
    "discord.perm.send_messages": "发送消息",
    "discord.perm.send_messages_in_threads": "在子区中发送消息",
    "discord.perm.attach_files": "附加文件",
    "discord.perm.read_message_history": "阅读消息历史记录",
    "discord.thumbnail_only": "即使重新编码后，视频仍超过本服务器 {limit_mb} MB 的上传上限，因此这里提供一张视频截图。"
                              "未消耗任何积分。",
    "discord.attachment_too_large": "该视频有 {size_mb} MB；只能用不超过 {limit_mb} MB 的视频创建角色。",
    "discord.character_one_source": "请只为角色提供一个来源：视频、https 链接或任务 ID，不要同时提供多个。",
    "discord.modal.remix_title": "重混",
    "discord.modal.prompt_label": "新的提示词",
    "discord.modal.save_title": "存为角色",
    "discord.modal.name_label": "角色名称",
    "discord.modal.name_placeholder": "2–32 个文字、数字或 _",
    "discord.modal.description_label": "描述（可选）",
    "discord.unknown_button": "此按钮已失效。请改用 /sora 或 /jobs。",
    "discord.cooldown": "请等待 {seconds} 秒后再使用。",
    "provider.status_header": "视频服务商（此处的路由方式：{priority}）：",
    "provider.status_line": "• {name}（{kind}）— {health} — 进行中任务 {in_flight}/{cap} — 过去一小时失败 {failures} "
                            "次，提交失败 {submits} 次{last}\n"
                            "  {price} · 稳定性 {stability} · 时长 {durations} 秒 · {features}",
    "provider.health_ok": "✅ 轮换中",
    "provider.health_open": "⛔ 因多次失败已移出轮换（{seconds} 秒后再次探测）",
    "provider.health_half_open": "🟡 试用中：下一个任务将用于探测它",
    "provider.last_failure": "；最近一次：{reason}，{ago} 秒前",
    "provider.price_request": "每个视频 ${usd}",
    "provider.price_second": "每秒 ${usd}",
    "provider.price_snapshot": "按快照的每秒价格",
    "provider.priority_cost": "最便宜的优先",
    "provider.priority_stability": "最稳定的优先",
    "provider.priority_set": "此处的路由方式现在为“{priority}”。每个视频仍只会发往能生成它的服务商，如果该服务商失败，"
                             "则转到下一家。",
    "provider.bad_priority": "“{value}”不是有效的路由优先级。请使用：{allowed}。",
    "quota.usage_by_provider_header": "按服务商和快照：",
    "quota.usage_provider_line": "• {provider} · {snapshot}：{credits} 积分，{jobs} 个视频，≈ ${usd}",
    "character.no_provider": "这里没有视频服务能从此来源创建 @{name}（任务网关需要可以下载的链接：请尝试 https 网"
                             "址）。没有保存任何内容。",
    "storyboard.empty": "故事板需要场景，每个场景写成“开始-结束: 内容”，每行一个或用 ; 分隔，例如 {example}",
    "storyboard.bad_scene": "场景 {index}（“{text}”）不是“开始-结束: 内容”的格式，例如 {example}",
    "storyboard.no_text": "场景 {index}（{start}-{end} 秒）没有内容：请在冒号后描述发生了什么。",
    "storyboard.backwards": "场景 {index} 在 {end} 秒结束，没有晚于它的开始时间 {start} 秒。",
    "storyboard.not_from_zero": "第一个场景从 {start} 秒开始；故事板必须从 0 开始（例如 0-5: …）。",
    "storyboard.gap": "场景 {prev} 和场景 {index} 之间从 {end} 秒到 {start} 秒有空缺：每个场景都必须从上一个场景结束的"
                      "地方开始。",
    "storyboard.overlap": "场景 {index} 从 {start} 秒开始，早于场景 {prev} 结束的 {end} 秒：场景不能重叠。",
    "storyboard.scene_too_short": "场景 {index}（{start}-{end} 秒）只有 {length} 秒；每个场景至少需要 {min} 秒。",
    "storyboard.too_many_scenes": "共有 {count} 个场景；故事板最多只能有 {max} 个。",
    "storyboard.too_long": "场景总时长为 {total} 秒，超过了 {snapshot} 能生成的 {max} 秒。",
    "storyboard.bad_total": "场景总时长为 {total} 秒，但 {snapshot} 生成的视频时长为 {allowed}：请让最后一个场景在其中"
                            "一个时长处结束。",
    "storyboard.no_duration": "故事板的时长取决于最后一个场景的结束时间：请不要指定 duration。",
}
