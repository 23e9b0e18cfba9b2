"""Documents people read: map pages, 一口一档, the bulletin, the 名录, the ledger spreadsheet, fonts."""
