"""Reports people use: sales charts (PNG), the district monthly workbook officers send upward
(Excel and CSV), and the model-household ranking. Set-based SQL in, bytes or plain data out;
no chat or platform knowledge (the handlers in bot/handlers/ turn them into replies)."""
