// Tests for matcher: written below.
