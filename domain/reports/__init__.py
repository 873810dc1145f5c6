"""Store reports: the daily operations report of a store and its morning e-mail to the store managers."""
