"""zh-CN translations: every module here exports `ZH: dict[str, str]` (English msgid → Chinese).
One module per area (`common`, `supplier`, `console`, ...) so parallel work never collides."""
