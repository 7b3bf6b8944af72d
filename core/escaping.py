"""Formula-injection escaping for every exported cell (the IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT idea,
done here for every format: import-export's own version only strips a leading "=" and turns numbers
into text). A project title such as "=HYPERLINK(…)" or "+86…" must reach the spreadsheet as text.

The two formats differ. An xlsx cell has a type: text written as a string cell is never evaluated, so
the value stays exactly as typed (a payee named "-1+1" still matches the bank's record) and the cell
only carries Excel's quote-prefix style, which keeps it text if someone edits it; `is_formula_like`
decides which cells get that style. A csv cell has no type, so `escape_formula` prefixes an apostrophe.
"""
# Full-width signs count too: Excel and WPS in a Chinese input mode accept "＝1+1" as a formula.
FORMULA_SIGNS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
# A leading control character is itself a known trigger (tab, carriage return), and spreadsheet
# importers trim leading whitespace before looking for a sign: "\n=1+1" and " =1+1" are formulas there.
LEADING_BLANKS = " \t\r\n\u3000"


def is_formula_like(value) -> bool:
    """True for text a spreadsheet could run as a formula."""
    if not isinstance(value, str) or not value:
        return False
    if value[0] in "\t\r\n":
        return True
    return value.lstrip(LEADING_BLANKS).startswith(FORMULA_SIGNS)


def escape_formula(value):
    """For csv: prefix formula-like text with an apostrophe; leave other values alone."""
    if is_formula_like(value):
        return "'" + value
    return value


def escape_row(values):
    """The same escaping for a whole row of csv cells."""
    return [escape_formula(v) for v in values]
