// Tests for cli: written below.
