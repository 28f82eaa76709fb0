"""Static reference data of the emulator: a synthetic Texas address book
with ESI IDs, utilities (TDUs), eligibility by ZIP code and plan groups.
All of it is invented (sandbox data); see README.md."""

# name -> (display_name, tdu cents/kWh, tdu monthly dollars, outage phone, website)
UTILITIES = {
    "ONCOR": ("ONCOR", "5.6213", "4.23", "1-800-555-0101", "https://www.oncor.com"),
    "CENTERPOINT": ("CenterPoint Energy", "5.2135", "4.39", "1-800-555-0102", "https://www.centerpointenergy.com"),
    "AEP_CENTRAL": ("AEP Texas Central", "6.0381", "3.24", "1-800-555-0103", "https://www.aeptexas.com"),
    "AEP_NORTH": ("AEP Texas North", "5.4418", "3.24", "1-800-555-0104", "https://www.aeptexas.com"),
    "TNMP": ("TNMP", "6.1245", "7.85", "1-800-555-0105", "https://www.tnmp.com"),
}

# (address_1, address_2, city, postal_code, esi_id, utility, flag)
# flag: None, or the needs_attention status_reason the utility step produces.
_BOOK = [
    ("123 Main St", "Apt 1", "Dallas", "75201", "55512345671234567", "ONCOR", None),
    ("123 Main St", "Apt 2", "Dallas", "75201", "55512345671234568", "ONCOR", None),
    ("456 Elm St", None, "Dallas", "75202", "10443720000000001", "ONCOR", None),
    ("789 Oak Ave", None, "Fort Worth", "76102", "10443720000000002", "ONCOR", None),
    ("1600 Commerce St", "Unit 300", "Dallas", "75201", "10443720000000003", "ONCOR", None),
    ("2200 Ross Ave", None, "Dallas", "75201", "10443720000000004", "ONCOR", None),
    ("100 Louisiana St", None, "Houston", "77002", "10089010000000001", "CENTERPOINT", None),
    ("2500 Westheimer Rd", "Apt 12", "Houston", "77098", "10089010000000002", "CENTERPOINT", None),
    ("500 Bagby St", None, "Houston", "77002", "10089010000000003", "CENTERPOINT", None),
    ("600 Shoreline Blvd", None, "Corpus Christi", "78401", "10032789000000001", "AEP_CENTRAL", None),
    ("300 Pine St", None, "Abilene", "79601", "10204049000000001", "AEP_NORTH", None),
    ("25 Main St", None, "Friendswood", "77546", "10400510000000001", "TNMP", None),
    # Addresses whose utility step fails (needs_attention side exits).
    ("13 Switch Hold Ln", None, "Dallas", "75204", "10443720000009001", "ONCOR", "enrollment_blocked_switch_hold"),
    ("14 Dark Meter Rd", None, "Dallas", "75204", "10443720000009002", "ONCOR", "enrollment_blocked_deactivated"),
    ("15 Blocked Ct", None, "Dallas", "75204", "10443720000009003", "ONCOR", "utility_blocked"),
]
# Plenty of ordinary homes for type-ahead search and bulk tests.
for _i in range(1, 41):
    _BOOK.append((f"{100 + _i} Sandbox Ln", None, "Dallas", "75204", f"104437200000001{_i:02d}", "ONCOR", None))

ADDRESSES = [
    {
        "address_1": a1, "address_2": a2, "city": city, "state": "TX", "postal_code": zc,
        "esi_id": esi, "utility": util, "flag": flag,
    }
    for (a1, a2, city, zc, esi, util, flag) in _BOOK
]
BY_ESI = {a["esi_id"]: a for a in ADDRESSES}


def public_address(a):
    return {k: a[k] for k in ("address_1", "address_2", "city", "state", "postal_code", "esi_id")}


_ABBREV = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "lane": "ln",
    "court": "ct", "drive": "dr", "apartment": "apt", "#": "apt", "unit": "apt", "suite": "apt", "ste": "apt",
    "north": "n", "south": "s", "east": "e", "west": "w",
}


def normalise(s):
    """Lowercase, drop punctuation, canonical abbreviations (St/Street, Apt/#/Unit)."""
    if not s:
        return ""
    s = s.lower().replace("#", " # ")
    out = []
    for tok in "".join(c if c.isalnum() or c in " #" else " " for c in s).split():
        out.append(_ABBREV.get(tok, tok))
    return " ".join(out)


def utility_for_zip(zc):
    """(eligibility_likelihood, [utility names]) for a 5-digit ZIP."""
    for a in ADDRESSES:
        if a["postal_code"] == zc:
            return 85, [a["utility"]]
    p3 = int(zc[:3])
    if p3 in (782, 786, 787):  # San Antonio (CPS) and Austin Energy: municipal, no retail choice
        return 0, []
    if 750 <= p3 <= 769:
        return 85, ["ONCOR"]
    if 770 <= p3 <= 775:
        return 85, ["CENTERPOINT"]
    if 776 <= p3 <= 779 or 780 <= p3 <= 785:
        return 70, ["AEP_CENTRAL"]
    if 790 <= p3 <= 799:
        return 60, ["AEP_NORTH", "ONCOR"]
    return 0, []


# Plan groups of the (single) sandbox app. base energy rate in cents/kWh.
PLAN_GROUPS = [
    {
        "uuid": "4e7acc79-58af-4be1-881f-c9ccbbe02a80", "name": "Clean Energy", "term_months": 12,
        "energy_rate": "13.9000", "monthly_charge": "9.95", "solar_buyback": False,
        "partner_commission_per_month_dollars": "5.00", "plan_type": "fixed", "rate_structure": "flat",
    },
    {
        "uuid": "7d1f5c8e-2b3a-4c6d-9e0f-1a2b3c4d5e6f", "name": "Solar Saver", "term_months": 12,
        "energy_rate": "14.9000", "monthly_charge": "4.95", "solar_buyback": True,
        "partner_commission_per_month_dollars": "6.00", "plan_type": "fixed", "rate_structure": "flat",
    },
    {
        "uuid": "0b9e8d7c-6f5a-4e3d-8c2b-1a0f9e8d7c6b", "name": "Fixed 24", "term_months": 24,
        "energy_rate": "12.9000", "monthly_charge": "4.95", "solar_buyback": False,
        "partner_commission_per_month_dollars": "4.00", "plan_type": "fixed", "rate_structure": "flat",
    },
]
PLAN_GROUPS_BY_UUID = {g["uuid"]: g for g in PLAN_GROUPS}

PROVIDERS = ["TXU Energy", "Reliant", "Green Mountain Energy", "Direct Energy", "Gexa Energy", "Champion Energy"]

MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
]
