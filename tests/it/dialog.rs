// Tests for dialog: written below.
