"""The record: tables, engines and migrations, the append-only guards and hash chains, and reading it back."""
