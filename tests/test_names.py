"""Team and runner names are cleaned of what nobody sees and compared as a reader would."""

from django.test import SimpleTestCase

from races.names import clean_name, name_key


class CleanNameTest(SimpleTestCase):
    def test_bidirectional_overrides_and_isolates_are_removed(self):
        for mark in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f":
            with self.subTest(mark=f"U+{ord(mark):04X}"):
                self.assertEqual(clean_name(f"Harimau{mark} Striders{mark}"), "Harimau Striders")

    def test_zero_width_spaces_byte_order_marks_and_controls_are_removed(self):
        self.assertEqual(clean_name("\ufeffHari\u200bmau\x00 Stri\x9bders\u00ad"), "Harimau Striders")

    def test_whitespace_of_any_kind_becomes_one_space(self):
        self.assertEqual(clean_name("  Harimau\t\u3000\u00a0Striders\n"), "Harimau Striders")

    def test_joiners_stay_inside_a_word_and_go_elsewhere(self):
        self.assertEqual(clean_name("\u200dरा\u200dम \u200c"), "रा\u200dम")

    def test_the_name_is_stored_in_composed_form(self):
        self.assertEqual(clean_name("Jose\u0301"), "José")

    def test_nothing_visible_leaves_nothing(self):
        self.assertEqual(clean_name("\u200b\u202e \u200d\ufeff"), "")


class NameKeyTest(SimpleTestCase):
    def test_case_spacing_width_and_joiners_do_not_make_a_new_name(self):
        key = name_key("Harimau Striders")
        for same in (
            "HARIMAU  striders",
            "ＨＡＲＩＭＡＵ Striders",
            "Hari\u200dmau Striders",
            " harimau\u200b striders",
        ):
            with self.subTest(same=same):
                self.assertEqual(name_key(same), key)

    def test_different_letters_are_different_names(self):
        self.assertNotEqual(name_key("Harimau Striders"), name_key("Harimau Striders 2"))
        self.assertNotEqual(name_key("佐藤"), name_key("佐藤 健"))
