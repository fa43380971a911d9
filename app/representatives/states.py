"""US states and territories: postal codes, FIPS codes, and which ones send delegates."""

FIPS_TO_STATE: dict[str, str] = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip

STATES: frozenset[str] = frozenset(FIPS_TO_STATE.values())

# Places that send a non-voting delegate (or resident commissioner) to the House and no senators.
DELEGATE_STATES: frozenset[str] = frozenset({"DC", "AS", "GU", "MP", "PR", "VI"})

# What a state calls a member of its lower house, where it is not "Representative".
LOWER_HOUSE_TITLES: dict[str, str] = {
    "CA": "Assemblymember",
    "NV": "Assemblymember",
    "NY": "Assemblymember",
    "NJ": "Assemblymember",
    "WI": "Representative",
    "MD": "Delegate",
    "VA": "Delegate",
    "WV": "Delegate",
}


def house_district_code(value: object) -> str:
    """Two-digit House district: at-large (0) and delegates (Census code 98) are "00"."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"not a House district number: {text!r}")
    number = int(text)
    return "00" if number in (0, 98) else f"{number:02d}"


def legislative_district_code(value: object) -> str:
    """State legislative district as Open States writes it: "25", not Census's "025"."""
    text = str(value).strip().upper()
    return str(int(text)) if text.isdigit() else text
