"""One account: the password protocol, its safety record, keyring slots, locks."""
