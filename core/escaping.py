"""Formula-injection escaping for every exported cell (the IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT idea,
done here for every format: import-export's own version only strips a leading "=" and turns numbers
into text). A project title such as "=HYPERLINK(…)" or "+86…" must reach the spreadsheet as text."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Prefix a text value that a spreadsheet would evaluate with an apostrophe; leave others alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_row(values):
    """The same escaping for a whole row of cells."""
    return [escape_formula(v) for v in values]
