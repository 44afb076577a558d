"""The Discord adapter: native slash commands, persistent job buttons, videos posted in the channel.

Setting up a bot
- Create an application at https://discord.com/developers, add a bot, and put its token in
  ``SORABOT_DISCORD__TOKEN``. No privileged intent is needed (the adapter uses only ``guilds``).
- Invite it with the scopes ``bot`` and ``applications.commands`` and the permissions View Channel,
  Send Messages, Send Messages in Threads, Attach Files, Read Message History (and Embed Links).
  Where one is missing, ``/sora`` answers with an ephemeral message naming it and logs the channel id.
- ``sorabot run`` syncs the commands at start-up: globally (Discord may take up to an hour to show
  changes), or, with ``dev_guild_ids`` set, to those servers only, instantly.
- ``/snapshot`` and ``/quota`` are hidden from members without Manage Server
  (``default_member_permissions``); a server admin can change that under Server Settings →
  Integrations, and the core still checks every admin action (Manage Server, a role in
  ``admin_role_ids``, or a bot owner).
- ``api_base`` and ``gateway_url`` point discord.py at an emulator (the tests' fake Discord).

Modules: :mod:`.bot` (client, lifecycle, answering), :mod:`.commands` (the command tree),
:mod:`.views` (buttons and modals), :mod:`.port` (the core's outbound port), :mod:`.errors`
(the one error handler).
"""
