"""The input contract, declared once: kinds, their columns, types, defaults and keys.

Everything the readers, the mapping, the validator and the normaliser need to know about an
input kind lives here (see ``docs/data-contract.md``). Nothing in this module imports pandas,
so it is cheap to import from anywhere (the CLI uses it for help texts and kind names).

Column types (``Column.type``):

=================  ==========================================================================
``text``           free text, stripped; empty means unknown
``date``           ISO 8601 date or datetime (and a few common forms), kept as a day
``datetime``       ISO 8601 date or datetime, with or without time zone; stored naive UTC
``number``         a finite number >= 0 (``1,234.50`` thousands commas accepted)
``int``            a whole number >= 1 (``3`` or ``3.0``)
``bool``           true/false, yes/no, y/n, t/f, 1/0
``country``        ISO 3166-1 alpha-2, any case
``country_list``   ``;``-separated countries
``locode``         UN/LOCODE: two letters + three letters/digits; inner spaces are dropped
``locode_list``    ``;``-separated LOCODEs, order kept
``hs``             HS code: 6 to 10 digits once dots and spaces are removed
``hs_list``        ``;``-separated HS *prefixes*: 2 to 10 digits each (tips: ``8507;850760``)
``enum``           one of ``Column.allowed`` (matched ignoring case and punctuation)
``currency``       ISO 4217 code, upper-cased (an unknown code is kept, not quarantined)
``email``          an e-mail address (kept as text; normalised later)
``phone``          a phone number (kept as text; normalised later)
``text_list``      ``;``-separated free text (names, addresses, container ids)
=================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "KINDS",
    "KIND_NAMES",
    "RESERVED",
    "TYPES",
    "Column",
    "IngestError",
    "Kind",
    "column",
    "kind",
]


class IngestError(RuntimeError):
    """A problem that stops a load: its message is one line, fit to show the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


TYPES = (
    "text", "date", "datetime", "number", "int", "bool", "country", "country_list",
    "locode", "locode_list", "hs", "hs_list", "enum", "currency", "email", "phone",
    "text_list",
)

#: Columns every validated frame carries besides the contract's (a source column of the same
#: name is renamed with a ``_src`` suffix so it survives among the extras).
RESERVED = ("source_file", "line")


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``allowed`` lists an enum's canonical values; ``aliases`` maps other spellings to them
    (compared ignoring case and punctuation). ``minimum``/``maximum`` bound numbers
    (``exclusive_minimum``: the minimum itself is refused, e.g. a zero exchange rate).
    ``default`` is text, applied to empty cells before validation.
    """

    name: str
    type: str = "text"
    required: bool = False
    default: str | None = None
    allowed: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    minimum: float | None = 0.0
    maximum: float | None = None
    exclusive_minimum: bool = False
    help: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")
        if self.type == "enum" and not self.allowed:
            raise ValueError(f"column {self.name}: an enum needs allowed values")


@dataclass(frozen=True)
class Kind:
    """An input kind: its columns in contract order, key columns and row-level rules.

    ``one_of`` lists groups of columns of which at least one must be filled on every row
    (declarations: ``consignee_name`` or ``consignee_id``).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    one_of: tuple[tuple[str, ...], ...] = ()
    help: str = ""

    @property
    def names(self) -> list[str]:
        """Column names in contract order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]

    @property
    def defaults(self) -> dict[str, str]:
        """Column -> default text for columns that have one."""
        return {c.name: c.default for c in self.columns if c.default is not None}

    def column(self, name: str) -> Column:
        """The column called ``name``; ``KeyError`` naming the kind otherwise."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)


def _party(role: str, *, id_help: str = "") -> tuple[Column, ...]:
    return (
        Column(f"{role}_id", help=id_help or f"the {role}'s identifier (tax or trader id)"),
        Column(f"{role}_name"),
        Column(f"{role}_address"),
        Column(f"{role}_country", "country"),
        Column(f"{role}_phone", "phone"),
        Column(f"{role}_email", "email"),
    )


_TLP_ALIASES = {"WHITE": "CLEAR", "TLP:WHITE": "CLEAR", "TLP:CLEAR": "CLEAR",
                "TLP:GREEN": "GREEN", "TLP:AMBER": "AMBER", "TLP:AMBER+STRICT": "AMBER+STRICT",
                "TLP:RED": "RED"}

DECLARATIONS = Kind(
    "declarations",
    (
        Column("declaration_id", required=True),
        Column("item_no", "int", default="1", minimum=1),
        Column("reporting_country", "country", required=True),
        Column("declared_at", "datetime", required=True),
        Column("flow", "enum", default="import", allowed=("import", "export", "transit")),
        Column("procedure", "enum", allowed=(
            "standard", "express", "ecommerce", "postal", "transit", "ftz", "bonded")),
        Column("transport_mode", "enum", allowed=("sea", "air", "road", "rail", "post"),
               aliases={"ocean": "sea", "truck": "road", "postal": "post", "mail": "post"}),
        *_party("consignor"),
        *_party("consignee"),
        Column("declarant_id"),
        Column("declarant_name"),
        Column("carrier"),
        Column("transport_document"),
        Column("previous_document", "text_list"),
        Column("container_ids", "text_list"),
        Column("preference"),
        Column("hs_code", "hs", required=True),
        Column("goods_description"),
        Column("brand"),
        Column("origin_country", "country", required=True),
        Column("export_country", "country"),
        Column("port_of_loading", "locode"),
        Column("transit_ports", "locode_list"),
        Column("port_of_discharge", "locode"),
        Column("quantity", "number"),
        Column("quantity_unit"),
        Column("gross_mass_kg", "number"),
        Column("customs_value", "number"),
        Column("currency", "currency", default="USD"),
        Column("inspection_result", "enum",
               allowed=("none", "compliant", "non_compliant", "seized")),
        Column("status", "enum", allowed=("cleared", "held", "seized", "abandoned")),
    ),
    key=("reporting_country", "declaration_id", "item_no"),
    one_of=(("consignee_name", "consignee_id"),),
    help="one row per declared goods item",
)

PARTIES = Kind(
    "parties",
    (
        Column("party_id", required=True),
        Column("name"),
        Column("address"),
        Column("country", "country"),
        Column("phone", "phone"),
        Column("email", "email"),
        Column("tax_id"),
        Column("registered_at", "date"),
        Column("aeo_tier", "enum", allowed=("1", "2", "3")),
    ),
    key=("party_id",),
    help="a trader registry",
)

HUBS = Kind(
    "hubs",
    (
        Column("locode", "locode", required=True),
        Column("name"),
        Column("country", "country"),
        Column("lat", "number", minimum=-90.0, maximum=90.0),
        Column("lon", "number", minimum=-180.0, maximum=180.0),
        Column("kind", "enum", allowed=("seaport", "airport", "land", "ftz", "bonded", "inland")),
        Column("ftz", "bool", default="false"),
    ),
    key=("locode",),
    help="ports, airports, land crossings and free-trade zones",
)

TIPS = Kind(
    "tips",
    (
        Column("tip_id", required=True),
        Column("submitted_by", required=True),
        Column("submitted_at", "datetime", required=True),
        Column("brand"),
        Column("hs_codes", "hs_list"),
        Column("suspect_names", "text_list"),
        Column("suspect_addresses", "text_list"),
        Column("suspect_phones", "text_list"),
        Column("suspect_emails", "text_list"),
        Column("suspect_ports", "locode_list"),
        Column("origin_countries", "country_list"),
        Column("description"),
        Column("source_reliability", "enum", default="F", allowed=("A", "B", "C", "D", "E", "F")),
        Column("info_credibility", "enum", default="6", allowed=("1", "2", "3", "4", "5", "6")),
        Column("tlp", "enum", default="AMBER",
               allowed=("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"), aliases=_TLP_ALIASES),
        Column("valid_until", "date"),
    ),
    key=("tip_id",),
    help="intelligence from rights holders or partner agencies",
)

OUTCOMES = Kind(
    "outcomes",
    (
        Column("declaration_id", required=True),
        Column("reporting_country", "country", required=True),
        Column("item_no", "int", minimum=1, help="optional: the goods item (default: item 1)"),
        Column("result", "enum", required=True, allowed=("compliant", "non_compliant", "seized")),
        Column("offence"),
        Column("decided_at", "datetime"),
    ),
    key=("reporting_country", "declaration_id", "item_no", "result"),
    help="inspection and seizure results fed back",
)

RATES = Kind(
    "rates",
    (
        Column("currency", "currency", required=True),
        Column("date", "date", required=True),
        Column("usd_per_unit", "number", required=True, exclusive_minimum=True),
    ),
    key=("currency", "date"),
    help="exchange rates to USD",
)

KINDS: dict[str, Kind] = {k.name: k for k in (DECLARATIONS, PARTIES, HUBS, TIPS, OUTCOMES, RATES)}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def kind(name: str) -> Kind:
    """The kind called ``name``; an :class:`IngestError` listing the kinds otherwise."""
    try:
        return KINDS[str(name).strip().lower()]
    except KeyError:
        raise IngestError(
            f"unknown input kind {name!r}; expected one of: {', '.join(KIND_NAMES)}") from None


def column(kind_name: str, name: str) -> Column:
    """The contract column ``name`` of kind ``kind_name``."""
    return kind(kind_name).column(name)
