"""Goods, brands and carriers of the synthetic world."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    hs: str                     # national tariff line (8 digits; some lines carry a 10-digit suffix)
    descriptions: tuple[str, ...]
    unit: str                   # UN/ECE unit code
    usd: float                  # median unit value in USD (genuine goods)
    kg: float                   # gross kg per unit
    bulk: tuple[int, int]       # quantity range for a standard consignment
    parcel: bool                # sold through e-commerce / express
    origins: tuple[str, ...]    # typical countries of origin (repeats weight them)
    brands: tuple[str, ...] = ()
    high_duty: bool = False     # tariff / trade-remedy sensitive (origin laundering target)


P = Product
PRODUCTS: tuple[Product, ...] = (
    P("85171300", ("Smartphones", "Mobile phone, 128GB", "Cellular telephone handsets"), "PCE", 210, 0.45, (50, 2000), True, ("CN", "CN", "CN", "VN", "KR", "IN"), ("Zentro Mobile",)),
    P("84713020", ("Laptop computers", "Notebook PC 14 inch", "Portable computer"), "PCE", 520, 2.6, (20, 600), True, ("CN", "CN", "TH", "VN"), ("Zentro Mobile",)),
    P("85183020", ("Earphones", "Bluetooth headphones", "Wireless earbuds"), "PCE", 14, 0.15, (200, 10000), True, ("CN", "CN", "CN", "VN"), ("Sonique",)),
    P("85076090", ("Lithium-ion batteries", "Li-ion battery pack", "Power bank 10000mAh"), "PCE", 7.5, 0.35, (500, 20000), True, ("CN", "CN", "KR", "JP"), ("Novacell", "UL", "CE")),
    P("85044090", ("Power adapters", "USB chargers", "AC adaptor 65W"), "PCE", 4.2, 0.2, (500, 20000), True, ("CN", "CN", "CN", "VN"), ("CE", "UL")),
    P("85423100", ("Integrated circuits, processors", "IC chips", "Microcontrollers"), "PCE", 2.1, 0.005, (5000, 200000), False, ("CN", "MY", "KR", "JP", "TH", "SG")),
    P("85287292", ("LED television receivers", "Smart TV 55 inch"), "PCE", 230, 18, (20, 500), False, ("CN", "CN", "TH", "MY", "VN", "KR")),
    P("61091010", ("T-shirts of cotton, knitted", "Men's cotton T-shirts", "Ladies tee shirts"), "PCE", 2.9, 0.2, (1000, 30000), True, ("CN", "VN", "KH", "ID", "IN")),
    P("61103000", ("Pullovers of man-made fibres", "Knitted sweaters", "Hoodies polyester"), "PCE", 6.5, 0.45, (500, 15000), True, ("CN", "VN", "KH")),
    P("62034200", ("Men's trousers of cotton", "Denim jeans", "Cotton trousers"), "PCE", 8.5, 0.6, (500, 15000), True, ("CN", "VN", "KH", "ID", "IN"), ("Kestrel Sport",)),
    P("62046200", ("Women's trousers of cotton", "Ladies slacks", "Women's jeans"), "PCE", 8.0, 0.55, (500, 15000), True, ("CN", "VN", "KH", "ID")),
    P("64039990", ("Footwear with leather uppers", "Leather shoes", "Men's leather boots"), "PR", 19, 1.1, (200, 6000), True, ("CN", "VN", "ID", "IN")),
    P("64041190", ("Sports footwear, textile uppers", "Running shoes", "Sneakers"), "PR", 13, 0.9, (300, 9000), True, ("CN", "VN", "VN", "ID", "KH"), ("Kestrel Sport",)),
    P("33049930", ("Skin care preparations", "Face cream", "Serum 30ml", "Whitening lotion"), "PCE", 4.5, 0.12, (1000, 30000), True, ("KR", "KR", "CN", "JP", "TH", "FR"), ("Lumina Beauty",)),
    P("33030000", ("Perfumes", "Eau de parfum 100ml", "Fragrance"), "PCE", 11, 0.3, (200, 6000), True, ("FR", "FR", "AE", "CN", "IT"), ("Maison Aveline",)),
    P("33051090", ("Shampoos", "Hair shampoo 400ml"), "PCE", 2.2, 0.45, (1000, 20000), True, ("TH", "ID", "CN", "JP")),
    P("30049099", ("Medicaments, packaged for retail", "Tablets 500mg", "Pharmaceutical preparations"), "PCE", 5.5, 0.08, (500, 50000), True, ("IN", "IN", "CN", "DE", "FR"), ("Pharmaxa",)),
    P("30042099", ("Antibiotics, packaged for retail", "Amoxicillin capsules"), "PCE", 6.0, 0.08, (500, 40000), True, ("IN", "IN", "CN"), ("Pharmaxa",)),
    P("24022090", ("Cigarettes containing tobacco", "Cigarettes, 200 sticks per carton"), "MIL", 24, 1.3, (50, 2000), False, ("ID", "CN", "VN", "AE"), ("Royal Crest",), True),
    P("24039990", ("Shisha tobacco", "Tobacco, other manufactured"), "KGM", 18, 1.05, (100, 3000), True, ("AE", "IN", "ID"), (), True),
    P("95030099", ("Toys", "Plastic toy figures", "Children's toys", "Building blocks"), "PCE", 3.2, 0.3, (500, 20000), True, ("CN", "CN", "CN", "VN")),
    P("95045000", ("Video game consoles", "Handheld game console"), "PCE", 180, 1.5, (20, 800), True, ("CN", "JP", "VN")),
    P("84241090", ("Fire extinguishers", "Portable fire extinguisher 6kg"), "PCE", 16, 8.5, (100, 3000), False, ("CN", "CN", "MY", "IN"), ("UL", "CE")),
    P("84798939", ("Machinery having individual functions", "Industrial machine", "Packing machine"), "PCE", 2400, 650, (1, 20), False, ("CN", "JP", "DE", "KR", "IT")),
    P("84314990", ("Parts of machinery", "Spare parts for excavator"), "KGM", 9, 1.0, (100, 20000), False, ("CN", "JP", "DE", "US", "KR")),
    P("84143090", ("Compressors for refrigeration", "AC compressor"), "PCE", 85, 12, (50, 2000), False, ("CN", "TH", "JP", "MY")),
    P("87089999", ("Parts of motor vehicles", "Auto parts", "Car spare parts"), "KGM", 7.5, 1.0, (200, 20000), True, ("CN", "JP", "TH", "DE", "KR")),
    P("87083029", ("Brake pads", "Brakes and servo-brakes, parts"), "PCE", 12, 1.2, (200, 8000), True, ("CN", "JP", "TH", "DE"), ("Brakon",)),
    P("40111000", ("New pneumatic tyres for cars", "Passenger car tyres"), "PCE", 42, 9.5, (200, 3000), False, ("CN", "TH", "TH", "JP", "ID"), (), True),
    P("72104912", ("Flat-rolled steel, zinc coated", "Galvanized steel coil"), "KGM", 0.85, 1.0, (20000, 400000), False, ("CN", "KR", "JP", "VN"), (), True),
    P("76041090", ("Aluminium profiles", "Aluminium extrusions"), "KGM", 3.1, 1.0, (5000, 150000), False, ("CN", "MY", "VN"), (), True),
    P("85414300", ("Photovoltaic modules", "Solar panels 550W"), "PCE", 95, 28, (100, 4000), False, ("CN", "CN", "VN", "TH", "MY", "KH"), (), True),
    P("94036090", ("Wooden furniture", "Dining tables of wood", "Wooden cabinets"), "PCE", 65, 30, (50, 1500), False, ("CN", "VN", "VN", "MY", "ID"), (), True),
    P("87120030", ("Bicycles", "Mountain bikes"), "PCE", 85, 15, (50, 1500), True, ("CN", "CN", "VN", "KH"), (), True),
    P("91021100", ("Wrist-watches, electrically operated", "Quartz wristwatch"), "PCE", 28, 0.15, (100, 5000), True, ("CN", "JP", "HK"), ("Aurelion",)),
    P("42022100", ("Handbags with outer surface of leather", "Leather handbags"), "PCE", 38, 0.9, (100, 3000), True, ("CN", "IT", "FR", "VN"), ("Maison Aveline",)),
    P("94054090", ("LED lamps and lighting fittings", "LED bulbs", "LED strip lights"), "PCE", 3.8, 0.2, (1000, 30000), True, ("CN", "CN", "VN", "MY"), ("CE",)),
    P("39269099", ("Articles of plastics", "Plastic household articles"), "KGM", 2.4, 1.0, (500, 30000), True, ("CN", "TH", "VN", "MY", "ID")),
    P("22083010", ("Whisky", "Scotch whisky 70cl"), "LTR", 16, 1.6, (200, 6000), False, ("GB", "JP", "US"), (), True),
    P("09011190", ("Coffee, not roasted", "Green coffee beans"), "KGM", 3.6, 1.0, (10000, 120000), False, ("VN", "ID", "LA")),
    P("10063099", ("Rice, semi-milled or wholly milled", "White rice 5% broken"), "KGM", 0.58, 1.0, (20000, 500000), False, ("TH", "VN", "IN", "MM", "KH")),
    # inputs that free-zone factories transform (a change of heading: the goods gain a new origin)
    P("76011000", ("Unwrought aluminium, not alloyed", "Aluminium ingots"), "KGM", 2.4, 1.0, (20000, 300000), False, ("CN", "IN", "AE")),
    P("72083990", ("Hot-rolled steel coil", "Flat-rolled iron, hot-rolled, in coils"), "KGM", 0.6, 1.0, (50000, 500000), False, ("CN", "KR", "JP")),
    P("52081200", ("Woven cotton fabric, unbleached", "Greige cotton fabric"), "MTR", 1.1, 0.15, (5000, 80000), False, ("CN", "IN", "VN")),
    P("40012200", ("Technically specified natural rubber", "Natural rubber TSNR 20"), "KGM", 1.6, 1.0, (10000, 100000), False, ("TH", "ID", "VN")),
    P("44071190", ("Sawn coniferous wood", "Pine lumber"), "KGM", 0.45, 1.0, (20000, 200000), False, ("CN", "NL", "US")),
)

#: free-zone processing: input product -> what the factory makes of it (another heading)
PROCESSING = {41: 30, 42: 29, 43: 7, 44: 28, 45: 32, 5: 1}

# genuine brand owners: brand -> (rights holder name, genuine origin countries)
BRANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Zentro Mobile": ("Zentro Electronics Co., Ltd. (Brand Protection)", ("KR", "CN", "VN")),
    "Sonique": ("Sonique Audio GmbH", ("CN", "VN")),
    "Novacell": ("Novacell Energy Corporation", ("JP", "KR")),
    "Kestrel Sport": ("Kestrel Sport Inc. - Global Brand Protection", ("VN", "ID")),
    "Lumina Beauty": ("Lumina Beauty Korea Co., Ltd.", ("KR",)),
    "Maison Aveline": ("Maison Aveline SAS", ("FR", "IT")),
    "Pharmaxa": ("Pharmaxa Healthcare Ltd.", ("IN", "DE")),
    "Royal Crest": ("Royal Crest Tobacco Ltd.", ("ID",)),
    "Aurelion": ("Aurelion SA", ("JP", "HK")),
    "Brakon": ("Brakon Automotive AG", ("DE", "JP")),
    "CE": ("European Certification Watch (CE mark misuse)", ("CN", "MY", "VN", "DE")),
    "UL": ("UL Solutions - Anti-Counterfeiting", ("CN", "US", "MY")),
}

SEA_CARRIERS = ("Maersk", "MSC", "CMA CGM", "COSCO Shipping", "Evergreen", "ONE", "Hapag-Lloyd",
                "Yang Ming", "HMM", "Wan Hai Lines", "PIL", "SITC", "RCL", "ZIM")
SEA_SCAC = ("MAEU", "MSCU", "CMDU", "COSU", "EGLV", "ONEY", "HLCU", "YMLU", "HDMU", "WHLC", "PCIU",
            "SITU", "REGU", "ZIMU")
AIR_CARRIERS = ("Singapore Airlines Cargo", "Cathay Cargo", "Thai Airways Cargo", "MASkargo",
                "Vietnam Airlines Cargo", "Garuda Cargo", "China Southern Cargo", "Korean Air Cargo")
AIR_PREFIX = ("618", "160", "217", "232", "738", "126", "784", "180")
EXPRESS = ("DHL Express", "FedEx", "UPS", "SF Express", "J&T Express", "Ninja Van", "Cainiao",
           "Kerry Express", "Aramex")
POSTAL = {"TH": "Thailand Post", "MY": "Pos Malaysia", "SG": "SingPost", "VN": "VNPost",
          "ID": "Pos Indonesia", "PH": "PHLPost", "KH": "Cambodia Post"}
ROAD = ("Kerry Logistics (road)", "SCG JWD Trucking", "Tiong Nam Logistics", "Vinafco Trucking")
