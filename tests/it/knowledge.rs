// Tests for knowledge: written below.
