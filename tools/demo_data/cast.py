# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who is in the story: the two companies, the users, the catalogue and the customers.

Plain data, no Odoo. Texts that people read come in English and French
(``Text``); names of people and companies are the same in both languages.
The first customers (``STORY``) each tell one part of the story; the others
(``EXTRAS``) are ordinary customers whose behaviour the plan draws with a
fixed seed.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """A text in English and in French."""

    en: str
    fr: str

    def __call__(self, lang):
        return self.fr if lang.startswith("fr") else self.en


@dataclass(frozen=True)
class Company:
    key: str
    name: str
    chart: str  # chart of accounts template code
    currency: str
    country: str
    street: str
    zip: str
    city: str
    phone: str
    email: str
    website: str
    vat: str
    company_registry: str
    tz: str
    # list prices and costs of the catalogue are in MAD; this company sells at
    # ``price_factor`` times them, in its currency
    price_factor: float
    delivery_code: str


COMPANIES = (
    Company(
        key="casa",
        name="Maghreb Matériaux SARL",
        chart="ma",
        currency="MAD",
        country="MA",
        street="120 Boulevard Zerktouni",
        zip="20250",
        city="Casablanca",
        phone="+212 5 22 48 01 20",
        email="contact@maghreb-materiaux.example.ma",
        website="https://maghreb-materiaux.example.ma",
        vat="40123456",
        company_registry="002345678000091",  # ICE: 15 digits
        tz="Africa/Casablanca",
        price_factor=1.0,
        delivery_code="LIV-CASA",
    ),
    Company(
        key="lyon",
        name="Maghreb Matériaux France SAS",
        chart="fr",
        currency="EUR",
        country="FR",
        street="42 Rue de la République",
        zip="69002",
        city="Lyon",
        phone="+33 4 72 10 45 80",
        email="contact@maghreb-materiaux.example.fr",
        website="https://maghreb-materiaux.example.fr",
        vat="FR19812345676",
        company_registry="812 345 676 R.C.S. Lyon",
        tz="Europe/Paris",
        price_factor=0.1,
        delivery_code="LIV-LYON",
    ),
)
# 1 EUR in MAD, the rate of both companies' books
EUR_IN_MAD = 10.8


@dataclass(frozen=True)
class User:
    key: str
    login: str
    password: str
    name: str
    role: Text
    groups: tuple  # xml ids
    companies: tuple  # company keys, the first is the default one
    email: str


USERS = (
    User(
        key="accountant",
        login="accountant",
        password="accountant",
        name="Amina Berrada",
        role=Text(
            "accountant: invoicing administrator, sees all sales documents",
            "comptable : administrateur facturation, voit tous les documents de vente",
        ),
        # the orders the overrides served for, the customers' documents
        groups=("account.group_account_manager", "sales_team.group_sale_salesman_all_leads"),
        companies=("casa", "lyon"),
        email="amina.berrada@maghreb-materiaux.example.ma",
    ),
    User(
        key="manager",
        login="manager",
        password="manager",
        name="Karim Bennani",
        role=Text(
            "sales manager, may override credit blocks",
            "directeur commercial, peut lever un blocage crédit",
        ),
        groups=(
            "sales_team.group_sale_manager",
            "crm_credit_alert.group_crm_credit_alert_override",
        ),
        companies=("casa", "lyon"),
        email="karim.bennani@maghreb-materiaux.example.ma",
    ),
    User(
        key="salesperson",
        login="salesperson",
        password="salesperson",
        name="Youssef El Idrissi",
        role=Text(
            "salesperson, own documents, no accounting rights",
            "commercial, ses documents, sans droits comptables",
        ),
        groups=("sales_team.group_sale_salesman",),
        companies=("casa",),
        email="youssef.elidrissi@maghreb-materiaux.example.ma",
    ),
    User(
        key="integrator",
        login="integrator",
        password="integrator",
        name="Sofia Martin",
        role=Text("External CRM manager", "responsable CRM externe"),
        groups=("external_crm_connector.group_external_crm_manager",),
        companies=("casa", "lyon"),
        email="sofia.martin@maghreb-materiaux.example.ma",
    ),
)
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"


def demo_logins():
    """``(login, password)`` of every user the demo prints."""
    return [(ADMIN_LOGIN, ADMIN_PASSWORD)] + [(user.login, user.password) for user in USERS]


# the signing secrets of the two external CRM backends (the README's curl
# examples use the generic one)
GENERIC_SECRET = "demo-secret"
HUBSPOT_SECRET = "demo-hubspot-client-secret"


@dataclass(frozen=True)
class Product:
    code: str
    name: Text
    price: float  # list price in MAD
    cost: float  # cost in MAD
    service: bool = False
    category: str = "tiles"
    # usual quantity of one order line (low, high)
    quantity: tuple = (1, 5)


PRODUCT_CATEGORIES = {
    "tiles": Text("Tiles", "Carrelage"),
    "bathroom": Text("Bathroom", "Salle de bains"),
    "supplies": Text("Installation supplies", "Fournitures de pose"),
    "services": Text("Services", "Services"),
}

# Codes CAR-6060 and LIV-CASA are the ones of the README's deal example.
PRODUCTS = (
    Product(
        "CAR-6060",
        Text("Tile pallet 60x60", "Palette de carreaux 60x60"),
        1200,
        840,
        quantity=(2, 14),
    ),
    Product(
        "CAR-3030",
        Text("Wall tile pallet 30x30", "Palette de faïence 30x30"),
        950,
        610,
        quantity=(2, 10),
    ),
    Product(
        "CAR-ZEL",
        Text("Handmade zellige box", "Carton de zellige artisanal"),
        780,
        430,
        quantity=(4, 30),
    ),
    Product(
        "SAN-WC",
        Text("Wall-hung toilet pack", "Pack WC suspendu"),
        2400,
        1650,
        category="bathroom",
        quantity=(1, 12),
    ),
    Product(
        "SAN-VAS",
        Text("Vanity unit with basin", "Meuble vasque"),
        3200,
        2150,
        category="bathroom",
        quantity=(1, 10),
    ),
    Product(
        "SAN-DOU",
        Text("Shower column", "Colonne de douche"),
        1450,
        980,
        category="bathroom",
        quantity=(1, 10),
    ),
    Product(
        "ROB-MIT",
        Text("Basin mixer tap", "Mitigeur lavabo"),
        520,
        310,
        category="bathroom",
        quantity=(2, 20),
    ),
    Product(
        "COL-25",
        Text("Tile adhesive 25 kg", "Colle carrelage 25 kg"),
        95,
        68,
        category="supplies",
        quantity=(10, 80),
    ),
    Product(
        "JNT-5",
        Text("Tile grout 5 kg", "Joint carrelage 5 kg"),
        60,
        38,
        category="supplies",
        quantity=(5, 40),
    ),
    Product(
        "DEST-LOT",
        Text("Clearance tile lot", "Lot de carreaux déstockés"),
        400,
        650,
        quantity=(5, 25),
    ),
    Product(
        "POSE-J",
        Text("Installation day (tiler)", "Journée de pose (carreleur)"),
        1800,
        1100,
        service=True,
        category="services",
        quantity=(1, 4),
    ),
    Product(
        "LIV-CASA",
        Text("Delivery Casablanca", "Livraison Casablanca"),
        450,
        300,
        service=True,
        category="services",
        quantity=(1, 1),
    ),
    Product(
        "LIV-LYON",
        Text("Delivery Lyon area", "Livraison région lyonnaise"),
        900,
        650,
        service=True,
        category="services",
        quantity=(1, 1),
    ),
)
# what ordinary customers buy, with weights
BASKET = {
    "CAR-6060": 5,
    "CAR-3030": 3,
    "CAR-ZEL": 2,
    "SAN-WC": 2,
    "SAN-VAS": 2,
    "SAN-DOU": 2,
    "ROB-MIT": 2,
    "COL-25": 4,
    "JNT-5": 3,
    "POSE-J": 1,
}

TAGS = {
    "key": Text("Key account", "Grand compte"),
    "hotel": Text("Hospitality", "Hôtellerie"),
    "developer": Text("Property developer", "Promoteur"),
    "architect": Text("Architect", "Architecte"),
    "reseller": Text("Reseller", "Revendeur"),
}

TEAMS = {
    "key": (Text("Key Accounts", "Grands comptes"), "casa"),
    "sales": (Text("Casablanca Sales", "Ventes Casablanca"), "casa"),
    "lyon": (Text("Lyon Sales", "Ventes Lyon"), "lyon"),
}

# payment terms of Odoo's account module
TERMS = {
    "immediate": "account.account_payment_term_immediate",
    "15": "account.account_payment_term_15days",
    "30": "account.account_payment_term_30days",
    "45": "account.account_payment_term_45days",
    "eom": "account.account_payment_term_end_following_month",
}

# industries of Odoo's base data
INDUSTRIES = {
    "construction": "base.res_partner_industry_F",
    "trade": "base.res_partner_industry_G",
    "hospitality": "base.res_partner_industry_I",
    "real_estate": "base.res_partner_industry_L",
    "design": "base.res_partner_industry_M",
}


@dataclass(frozen=True)
class Customer:
    key: str
    name: str
    company: str  # key of the company that sells to it
    city: str
    zip: str
    street: str
    vat: str
    industry: str
    contact: str
    contact_function: Text
    behaviour: str  # good, mixed, late (see plan.DELAYS)
    orders_per_month: float
    terms: str = "30"
    team: str = "sales"
    seller: str = "salesperson"
    tags: tuple = ()
    discount: float = 0.0
    basket: dict = field(default_factory=dict)  # empty: BASKET
    free_delivery: bool = False
    email_domain: str = ""
    # the part of the story it tells, for the printed summary
    story: Text | None = None


def _domain(name):
    keep = "".join(c for c in name.lower() if c.isalnum() or c == " ")
    for a, b in (("é", "e"), ("è", "e"), ("ê", "e"), ("â", "a"), ("î", "i"), ("ô", "o")):
        keep = keep.replace(a, b)
    return "-".join(keep.split()[:2]) + ".example"


def email_of(customer):
    return f"compta@{customer.email_domain or _domain(customer.name)}"


BUYER = Text("Purchasing manager", "Responsable achats")
OWNER = Text("Managing director", "Gérant")
ARCHITECT = Text("Project architect", "Architecte de projet")

STORY = (
    Customer(
        key="riad",
        name="Riad Céramique",
        company="casa",
        city="Marrakech",
        zip="40000",
        street="14 Derb Sidi Bouloukat",
        vat="40218765",
        industry="construction",
        contact="Hassan Ouazzani",
        contact_function=OWNER,
        behaviour="late",
        orders_per_month=0.8,
        tags=("hotel",),
        story=Text(
            "blocked: two invoices overdue, the oldest over 90 days; a credit override let "
            "one quotation through",
            "bloqué : deux factures en retard, la plus ancienne depuis plus de 90 jours ; "
            "une dérogation a permis un devis",
        ),
    ),
    Customer(
        key="atlas",
        name="Atlas Bâtiment SARL",
        company="casa",
        city="Casablanca",
        zip="20300",
        street="7 Rue Ibn Batouta",
        vat="40331276",
        industry="construction",
        contact="Nadia Tazi",
        contact_function=BUYER,
        behaviour="late",
        orders_per_month=1.2,
        story=Text(
            "chronic late payer: pays weeks after the due date, credit warning",
            "mauvais payeur chronique : paie des semaines après l'échéance, alerte crédit",
        ),
    ),
    Customer(
        key="sahara",
        name="Sahara Construction SA",
        company="casa",
        city="Casablanca",
        zip="20000",
        street="55 Boulevard d'Anfa",
        vat="40455128",
        industry="construction",
        contact="Omar Chraibi",
        contact_function=BUYER,
        behaviour="good",
        orders_per_month=1.6,
        terms="45",
        team="key",
        seller="manager",
        tags=("key", "developer"),
        discount=6.0,
        story=Text(
            "pays on time but is over its credit limit: blocked until it pays or the limit "
            "is raised",
            "paie à l'heure mais dépasse son plafond de crédit : bloqué",
        ),
    ),
    Customer(
        key="yasmine",
        name="Dar Yasmine Hôtels",
        company="casa",
        city="Agadir",
        zip="80000",
        street="Boulevard du 20 Août",
        vat="40566839",
        industry="hospitality",
        contact="Leila Amrani",
        contact_function=BUYER,
        behaviour="good",
        orders_per_month=0.9,
        team="key",
        tags=("hotel",),
        story=Text(
            "credit notes matched to its invoices: a past-due invoice covered by a credit "
            "note is settled, no alert",
            "avoirs lettrés avec ses factures : une facture échue couverte par un avoir est "
            "soldée, pas d'alerte",
        ),
    ),
    Customer(
        key="majorelle",
        name="Atelier Majorelle Design",
        company="casa",
        city="Marrakech",
        zip="40090",
        street="22 Rue Yves Saint Laurent",
        vat="40677410",
        industry="design",
        contact="Sara Bennis",
        contact_function=ARCHITECT,
        behaviour="mixed",
        orders_per_month=1.0,
        tags=("architect",),
        discount=27.0,
        story=Text(
            "low margin: an architect with a 27 % prescriber discount",
            "marge faible : un architecte prescripteur avec 27 % de remise",
        ),
    ),
    Customer(
        key="tanger",
        name="Tanger Promo Immobilier",
        company="casa",
        city="Tanger",
        zip="90000",
        street="3 Avenue Mohammed VI",
        vat="40788321",
        industry="real_estate",
        contact="Mehdi Alaoui",
        contact_function=BUYER,
        behaviour="good",
        orders_per_month=0.7,
        tags=("developer",),
        basket={"DEST-LOT": 6, "COL-25": 1},
        free_delivery=True,
        story=Text(
            "negative margin: bought our clearance stock below cost, delivered free",
            "marge négative : a acheté notre déstockage sous le coût, livré gratuitement",
        ),
    ),
    Customer(
        key="babsouk",
        name="Bab Souk Négoce",
        company="casa",
        city="Fès",
        zip="30000",
        street="9 Place Nejjarine",
        vat="40891234",
        industry="trade",
        contact="Rachid Fassi",
        contact_function=OWNER,
        behaviour="good",
        orders_per_month=1.0,
        tags=("reseller",),
        discount=10.0,
        story=Text(
            "close to its credit limit: warning",
            "proche de son plafond de crédit : avertissement",
        ),
    ),
    Customer(
        key="oasis",
        name="Oasis Plomberie",
        company="casa",
        city="Rabat",
        zip="10000",
        street="31 Avenue Fal Ould Oumeir",
        vat="40912345",
        industry="construction",
        contact="Youssef Benali",
        contact_function=OWNER,
        behaviour="good",
        orders_per_month=0.0,
        story=Text(
            "new customer: a first invoice, not due yet, no payment yet",
            "nouveau client : une première facture, pas encore échue, aucun paiement",
        ),
    ),
    Customer(
        key="benjelloun_freres",
        name="Benjelloun Frères Négoce",
        company="casa",
        city="Meknès",
        zip="50000",
        street="18 Avenue des FAR",
        vat="41023456",
        industry="trade",
        contact="Ali Benjelloun",
        contact_function=OWNER,
        behaviour="good",
        orders_per_month=0.6,
        tags=("reseller",),
        email_domain="benjelloun.example",
        story=Text(
            "shares its accounting e-mail with its sister company: the CRM's company "
            "matches both, a conflict waits in review",
            "partage son e-mail comptable avec sa société sœur : la société du CRM "
            "correspond aux deux, un conflit attend une décision",
        ),
    ),
    Customer(
        key="benjelloun_distribution",
        name="Benjelloun Distribution",
        company="casa",
        city="Meknès",
        zip="50000",
        street="20 Avenue des FAR",
        vat="41134567",
        industry="trade",
        contact="Karima Benjelloun",
        contact_function=BUYER,
        behaviour="good",
        orders_per_month=0.5,
        tags=("reseller",),
        email_domain="benjelloun.example",
    ),
    Customer(
        key="rhone",
        name="Rhône Rénovation SAS",
        company="lyon",
        city="Villeurbanne",
        zip="69100",
        street="88 Cours Émile Zola",
        vat="FR53523498764",
        industry="construction",
        contact="Julien Mercier",
        contact_function=OWNER,
        behaviour="late",
        orders_per_month=1.2,
        team="lyon",
        seller="manager",
        story=Text(
            "Lyon: pays late, credit warning in EUR",
            "Lyon : paie en retard, alerte crédit en EUR",
        ),
    ),
    Customer(
        key="lumiere",
        name="Lumière & Bains SARL",
        company="lyon",
        city="Lyon",
        zip="69006",
        street="15 Boulevard des Belges",
        vat="FR19441289733",
        industry="construction",
        contact="Camille Rousseau",
        contact_function=BUYER,
        behaviour="good",
        orders_per_month=1.5,
        team="lyon",
        seller="manager",
        tags=("key",),
        discount=5.0,
        story=Text(
            "Lyon: best customer of the subsidiary, pays on time",
            "Lyon : meilleur client de la filiale, paie à l'heure",
        ),
    ),
)

# (name, city, zip, industry, contact) of ordinary customers, Moroccan then French
EXTRAS_MA = (
    ("Casa Habitat Pro", "Casablanca", "20100", "construction", "Imane Kettani"),
    ("Rabat Sanitaire", "Rabat", "10020", "trade", "Hamza Lahlou"),
    ("Kénitra Matériaux", "Kénitra", "14000", "trade", "Fatima Zahra Idrissi"),
    ("Souss Carrelage", "Agadir", "80010", "trade", "Brahim Aït Taleb"),
    ("Oujda Bâtiment", "Oujda", "60000", "construction", "Mustapha Berkani"),
    ("Meknès Déco", "Meknès", "50050", "design", "Salma Zerouali"),
    ("El Jadida Constructions", "El Jadida", "24000", "construction", "Driss Naciri"),
    ("Tétouan Céramique", "Tétouan", "93000", "trade", "Amal Bouzidi"),
    ("Safi Travaux", "Safi", "46000", "construction", "Khalid Ouali"),
    ("Nador Plomberie", "Nador", "62000", "construction", "Said Amrani"),
    ("Mohammedia Immobilier", "Mohammedia", "28800", "real_estate", "Ghita Sqalli"),
    ("Ifrane Chalets & Lodges", "Ifrane", "53000", "hospitality", "Nabil Alami"),
    ("Essaouira Riads", "Essaouira", "44000", "hospitality", "Zineb Filali"),
    ("Béni Mellal Négoce", "Béni Mellal", "23000", "trade", "Abdelali Sabri"),
    ("Settat BTP", "Settat", "26000", "construction", "Youness Rami"),
    ("Khouribga Matériaux", "Khouribga", "25000", "trade", "Hicham Jabri"),
    ("Larache Sanitaire", "Larache", "92000", "trade", "Souad Bakkali"),
    ("Ouarzazate Kasbah Hôtels", "Ouarzazate", "45000", "hospitality", "Anas Mansouri"),
    ("Témara Promotion", "Témara", "12000", "real_estate", "Loubna Chami"),
    ("Dakhla Resorts", "Dakhla", "73000", "hospitality", "Mounir Haddad"),
    ("Berrechid Industrie", "Berrechid", "26100", "construction", "Rania El Fassi"),
    ("Marrakech Villas Concept", "Marrakech", "40160", "real_estate", "Adil Benkirane"),
)
EXTRAS_FR = (
    ("Presqu'île Habitat", "Lyon", "69002", "construction", "Thomas Girard"),
    ("Villeurbanne Sanitaire", "Villeurbanne", "69100", "trade", "Sophie Lambert"),
    ("Croix-Rousse Carrelage", "Lyon", "69004", "trade", "Nicolas Faure"),
    ("Saône Immobilier", "Mâcon", "71000", "real_estate", "Isabelle Chevalier"),
    ("Alpes Chalets Rénovation", "Annecy", "74000", "hospitality", "Antoine Blanc"),
    ("Grenoble Bâtiment Services", "Grenoble", "38000", "construction", "Émilie Robin"),
    ("Vienne Céramiques", "Vienne", "38200", "trade", "Paul Garnier"),
)
# valid French VAT numbers for the French customers above
FR_VATS = (
    "FR63790553218",
    "FR19388774127",
    "FR56504123985",
    "FR84891234569",
    "FR45412876534",
    "FR36753219849",
    "FR87830124764",
)
