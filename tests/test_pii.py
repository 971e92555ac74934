"""Is a マイナンバー masked wherever and however it is written?"""
import pytest

from voices.pii import MY_NUMBER_MASK, is_valid_my_number, mask_my_numbers

# Check digits computed by hand from the official formula (11 − Σ Pn×Qn mod 11).
VALID = "123456789018"


def test_check_digit():
    assert is_valid_my_number(VALID)
    assert not is_valid_my_number("123456789012")
    assert is_valid_my_number("000000000000")  # remainder 0 → check digit 0


@pytest.mark.parametrize("written", [
    "123456789018",
    "1234 5678 9018",
    "1234-5678-9018",
    "１２３４５６７８９０１８",
    "１２３４－５６７８－９０１８",
    "1234　5678　9018",
    "1234\u200b5678\u200b9018",  # zero-width spaces
    "1234\u20605678\u20609018",  # word joiners
    "1234\u00ad5678\u00ad9018",  # soft hyphens
    "1234  5678  9018",
    "1234\t5678\n9018",
    "1234 - 5678 - 9018",
])
def test_valid_numbers_are_masked_in_any_format(written):
    masked, count = mask_my_numbers(f"私の番号は{written}です。")
    assert count == 1
    assert masked == f"私の番号は{MY_NUMBER_MASK}です。"


@pytest.mark.parametrize("text", [
    "電話は 0297-58-2111 です",
    "口座番号 123456789012 に振込",       # 12 digits, wrong check digit
    "1234567890181",                      # 13 digits
    "令和8年11月26日 10時",
])
def test_other_numbers_are_left_alone(text):
    assert mask_my_numbers(text) == (text, 0)


@pytest.mark.parametrize("text", [
    "マイナンバーは123456789012です",          # one digit mistyped: the other eleven are still hers
    "個人番号：1234 5678 9012",
    "ﾏｲﾅﾝﾊﾞｰ 1234-5678-9012 を書いてしまいました",
    "マイナンバーカードの裏の番号（123456789012）",
])
def test_a_number_called_a_my_number_is_masked_even_with_a_wrong_check_digit(text):
    masked, count = mask_my_numbers(text)
    assert count == 1 and MY_NUMBER_MASK in masked
    assert "9012" not in masked


def test_the_word_counts_only_just_before_the_number():
    """A マイナンバー mentioned far earlier does not make every later 12-digit number one."""
    text = "マイナンバーの手続きで窓口に行きましたが、その後に届いた書類に口座番号 123456789012 とありました"
    assert mask_my_numbers(text) == (text, 0)
