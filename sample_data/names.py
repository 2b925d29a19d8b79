"""Realistic company names, person names and addresses per country."""
from __future__ import annotations

import random

SECTORS = ("Trading", "Intertrade", "Import Export", "Electronics", "Supply", "Industry", "Logistics",
           "Distribution", "Marketing", "Enterprise", "International", "Engineering", "Auto Parts",
           "Cosmetics", "Pharma", "Garment", "Textile", "Technology", "Solutions", "Global", "Holdings")

_TH = ("Siam", "Charoen", "Somboon", "Rattana", "Wattana", "Pattana", "Mongkol", "Srisawat", "Thanakorn",
       "Chaiyaporn", "Kasem", "Prasert", "Sirin", "Boonmee", "Chokdee", "Saeng Thong", "Rungroj", "Sukjai",
       "Praphan", "Chao Phraya", "Ratchada", "Sathorn", "Lumpini", "Ayutthaya", "Thai Union", "Nakhon",
       "Sakda", "Phiboon", "Udom", "Kittipat")
_MY = ("Maju", "Jaya", "Sinar", "Gemilang", "Mutiara", "Harmoni", "Perdana", "Cahaya", "Intan", "Bintang",
       "Seri", "Setia", "Makmur", "Bumi", "Delima", "Kencana", "Wawasan", "Tan Brothers", "Lim Heng",
       "Wong Hup", "Chong Huat", "Seng Hin", "Soon Lee", "Kim Hock", "Sri Murugan", "Eng Lee", "Hup Seng",
       "Teck Soon", "Aman", "Warisan")
_SG = ("Lion City", "Marina", "Straits", "Orchard", "Harbourfront", "Tanjong", "Pacific", "Asia Link",
       "Eastern", "Oriental", "Jurong", "Bukit", "Merlion", "Kallang", "Novena", "Tampines", "Hock Seng",
       "Ah Huat", "Teck Guan", "Chip Hup", "Sin Chew", "Sunrise", "Equator", "Meridian", "Redhill",
       "Pioneer", "Boon Lay", "Serangoon")
_VN_SECT = ("Thương mại", "Thương mại Dịch vụ", "Xuất Nhập Khẩu", "Sản xuất và Thương mại", "Điện tử",
            "Công nghệ", "Dược phẩm", "Mỹ phẩm", "Dệt may", "Đầu tư và Phát triển", "Giao nhận Vận tải")
_VN_NAME = ("Hoàng Long", "Minh Phát", "An Phú", "Tân Việt", "Phú Thịnh", "Đại Phát", "Thành Công",
            "Việt Hưng", "Hưng Thịnh", "Nam Á", "Bình Minh", "Sao Mai", "Trường Thịnh", "Kim Ngân",
            "Hòa Bình", "Thiên Long", "Phương Đông", "Gia Huy", "Quang Minh", "Đông Á", "Phúc Lộc",
            "Thịnh Vượng", "Ánh Dương", "Hải Đăng", "Tiến Phát", "Vạn Xuân")
_ID = ("Sinar", "Jaya", "Abadi", "Makmur", "Sejahtera", "Mitra", "Karya", "Sentosa", "Utama", "Mandiri",
       "Perkasa", "Nusantara", "Bangun", "Cipta", "Prima", "Indo", "Sukses", "Berkah", "Anugerah", "Lestari",
       "Gemilang", "Cahaya", "Bintang", "Samudra", "Global", "Teknik", "Niaga", "Kencana", "Mulia")
_PH = ("Mabuhay", "Bayanihan", "Luzon", "Visayas", "Mindanao", "Pilipinas", "Maharlika", "Santos",
       "Reyes", "Dela Cruz", "Villanueva", "Bonifacio", "Rizal", "Magallanes", "Pasig", "Cebu Pacific Rim",
       "Tagaytay", "Batangas Bay", "Ilustre", "Del Rosario", "Aguinaldo", "Palawan", "Marikina")
_KH = ("Angkor", "Mekong", "Tonle", "Phnom", "Khmer", "Chea", "Heng", "Ly", "Sovann", "Bayon", "Kampuchea")
_CN_CITY = ("Shenzhen", "Guangzhou", "Yiwu", "Ningbo", "Dongguan", "Xiamen", "Shanghai", "Hangzhou",
            "Foshan", "Suzhou", "Qingdao", "Tianjin")
_CN_SYL = ("Hua", "Xin", "Jin", "Long", "Hong", "Da", "Yuan", "Tian", "Yi", "Heng", "Tai", "Rui", "Feng",
           "Ding", "Sheng", "Hao", "Yu", "Jia", "He", "Kai", "Teng", "Ming", "Shun", "Wan", "Zheng",
           "Bai", "Chuang", "Xiang", "Fu", "Kang", "Mei", "Bo", "Lian", "Qi", "Run")
_CN_SECT = ("Technology", "Electronic Technology", "Import & Export", "Trading", "Industrial",
            "Imp. & Exp.", "Supply Chain Management", "E-commerce", "Industry & Trade", "Garments",
            "Cosmetics", "Auto Parts", "New Energy")
_HK = ("Wing", "Fat", "Lee", "Kwong", "Hing", "Tak", "Shing", "Yip", "Cheung", "Wah", "Fung", "Keung", "Chun",
       "On", "Kin", "Po")
_KR = ("Hanbit", "Daeyang", "Seoyoung", "Jinwoo", "Hanil", "Daesung", "Samwon", "Dongbang", "Mirae",
       "Haneul", "Bitsol", "Saerom", "Gyeongin", "Taesan")
_JP = ("Tanaka", "Yamato", "Nishida", "Sakura", "Fujimoto", "Kobayashi", "Matsuda", "Hoshino", "Aoyama",
       "Kawaguchi", "Shimizu", "Morinaga", "Okada")
_JP_SUF = ("Shoji Co., Ltd.", "Seiki Co., Ltd.", "Trading Corporation", "Industries Co., Ltd.", "Kogyo K.K.")
_IN = ("Shree Ganesh", "Sai Krishna", "Patel", "Mehta", "Bharat", "Laxmi", "Om Sai", "Sunrise", "Jai Hind",
       "Balaji", "Ambika", "Gujarat", "Deccan", "Kaveri")
_IN_SECT = ("Exports", "Industries", "Pharma", "Overseas", "Impex", "Textiles", "Chemicals")
_AE = ("Al Noor", "Al Madina", "Gulf Star", "Desert Rose", "Al Safa", "Al Barsha", "Emirates Link",
       "Al Fajr", "Oasis", "Palm Gate", "Al Khaleej", "Blue Horizon")
_AE_SUF = ("General Trading LLC", "Trading LLC", "Electronics Trading LLC", "FZE", "FZCO",
           "Auto Spare Parts Trading LLC", "General Trading FZE")
_US = ("Pacific Coast", "Great Lakes", "Summit", "Liberty", "Golden Gate", "Blue Ridge", "Lone Star",
       "Cascade", "Northstar", "Keystone", "Bayview", "Redwood")
_EU = {"NL": (("Van der Berg", "De Vries", "Noordzee", "Oranje", "Zeeland", "Maas"), "B.V."),
       "DE": (("Müller", "Schneider", "Rheinland", "Nordstern", "Alpen", "Hanse"), "GmbH"),
       "BE": (("Vlaanderen", "Schelde", "Brabant", "Ardennes", "Meuse"), "NV"),
       "FR": (("Lumière", "Provence", "Dupont", "Rivoli", "Garonne", "Bretagne"), "SAS"),
       "IT": (("Rossi", "Bianchi", "Adriatica", "Toscana", "Lombarda", "Ferraro"), "S.r.l."),
       "ES": (("García", "Iberia", "Mediterránea", "Levante", "Castilla", "Navarro"), "S.L."),
       "GB": (("Thames", "Albion", "Highland", "Pennine", "Severn"), "Ltd")}

FORMS = {"TH": "Co., Ltd.", "MY": "Sdn. Bhd.", "SG": "Pte. Ltd.", "PH": "Corporation", "KH": "Co., Ltd.",
         "KR": "Co., Ltd.", "US": "Inc.", "HK": "Limited", "CN": "Co., Ltd.", "IN": "Pvt. Ltd."}
# legal-form spellings used as variants: canonical -> alternatives
FORM_VARIANTS = {
    "Co., Ltd.": ("Co.,Ltd", "Company Limited", "CO LTD", "Co. Ltd", "Co., Ltd"),
    "Sdn. Bhd.": ("Sdn Bhd", "SDN. BHD.", "S/B", "Sendirian Berhad"),
    "Pte. Ltd.": ("Pte Ltd", "PTE. LTD.", "Private Limited", "Pte. Ltd"),
    "Corporation": ("Corp.", "Corp", "CORPORATION"),
    "Inc.": ("Inc", "Incorporated"), "Limited": ("Ltd.", "Ltd", "LIMITED"),
    "Pvt. Ltd.": ("Private Limited", "Pvt Ltd", "P. Ltd."), "LLC": ("L.L.C.", "L.L.C"),
    "Công ty TNHH": ("Cong ty TNHH", "CÔNG TY TNHH", "Cty TNHH", "CONG TY TNHH"),
    "PT ": ("PT. ", "P.T. "),
}


def _pick(r: random.Random, seq):
    return seq[r.randrange(len(seq))]


def company_name(r: random.Random, country: str, sector: str | None = None) -> str:
    sect = sector or _pick(r, SECTORS)
    if country == "TH":
        base = _pick(r, _TH) + ("" if r.random() < 0.5 else " " + _pick(r, _TH))
        if r.random() < 0.08:
            return f"{base} {sect} Public Company Limited"
        return f"{base} {sect} Co., Ltd."
    if country == "MY":
        base = _pick(r, _MY) + ("" if r.random() < 0.4 else " " + _pick(r, _MY))
        return f"{base} {sect} {'(M) ' if r.random() < 0.2 else ''}Sdn. Bhd."
    if country == "SG":
        return f"{_pick(r, _SG)} {sect} Pte. Ltd."
    if country == "VN":
        kind = "Công ty TNHH" if r.random() < 0.8 else "Công ty Cổ phần"
        return f"{kind} {_pick(r, _VN_SECT)} {_pick(r, _VN_NAME)}"
    if country == "ID":
        words = r.sample(_ID, 3 if r.random() < 0.5 else 2)
        return ("PT " if r.random() < 0.9 else "CV ") + " ".join(words)
    if country == "PH":
        base = _pick(r, _PH)
        return _pick(r, (f"{base} {sect} Corporation", f"{base} {sect}, Inc.", f"{base} Enterprises"))
    if country == "KH":
        return f"{_pick(r, _KH)} {_pick(r, _KH)} {sect} Co., Ltd."
    if country == "CN":
        syl = _pick(r, _CN_SYL) + _pick(r, _CN_SYL).lower()
        return f"{_pick(r, _CN_CITY)} {syl} {_pick(r, _CN_SECT)} Co., Ltd."
    if country == "HK":
        return f"{_pick(r, _HK)} {_pick(r, _HK)} {_pick(r, ('International', 'Trading', 'Industrial', 'Electronics'))} {_pick(r, ('Limited', '(HK) Limited', 'Company Limited'))}"
    if country == "KR":
        return f"{_pick(r, _KR)} {sect} Co., Ltd."
    if country == "JP":
        return f"{_pick(r, _JP)} {_pick(r, _JP_SUF)}"
    if country == "IN":
        return f"{_pick(r, _IN)} {_pick(r, _IN_SECT)} Pvt. Ltd."
    if country == "AE":
        return f"{_pick(r, _AE)} {_pick(r, _AE_SUF)}"
    if country == "US":
        return f"{_pick(r, _US)} {sect} {_pick(r, ('Inc.', 'LLC', 'Corp.'))}"
    if country in _EU:
        words, form = _EU[country]
        return f"{_pick(r, words)} {sect} {form}"
    return f"{_pick(r, _SG)} {sect} Ltd."


_PERSON = {
    "TH": (("Somchai", "Suda", "Anan", "Kanya", "Niran", "Pranee", "Wichai", "Malee", "Thanawat", "Supaporn",
            "Nattapong", "Siriporn", "Kittisak", "Ratana", "Apinya", "Chaiwat"),
           ("Jaidee", "Srisuk", "Wongsawat", "Chaiyasit", "Boonmee", "Sukprasert", "Thongdee", "Rattanakorn",
            "Phromma", "Kaewkla", "Saetang", "Intharasuk")),
    "MY": (("Ahmad", "Nur Aisyah", "Muhammad Hafiz", "Siti Nurhaliza", "Tan Wei Ming", "Lim Mei Ling",
            "Wong Kah Wai", "Rajesh", "Kavitha", "Farid", "Chong Li Ying", "Azman"),
           ("bin Ismail", "binti Hassan", "bin Abdullah", "a/l Kumar", "", "", "bin Osman", "binti Yusof")),
    "SG": (("Tan Wei Jie", "Lim Hui Min", "Muhammad Faizal", "Priya Nair", "Ng Boon Kiat", "Goh Siew Ling",
            "Chua Jun Hao", "Nurul Huda", "Lee Kok Leong", "Ong Pei Shan"), ("",)),
    "VN": (("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"),
           ("Văn", "Thị", "Minh", "Hữu", "Đức", "Thanh", "Ngọc"),
           ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hương", "Lan", "Linh", "Long", "Mai", "Nam",
            "Phong", "Quân", "Thảo", "Trang", "Tuấn", "Vy")),
    "ID": (("Budi", "Siti", "Agus", "Dewi", "Eko", "Rina", "Andi", "Fitri", "Hendra", "Yuliana", "Rudi",
            "Sri"), ("Santoso", "Rahayu", "Setiawan", "Lestari", "Prasetyo", "Wulandari", "Hidayat",
                     "Susanto", "Kurniawan", "Saputra", "Gunawan")),
    "PH": (("Juan", "Maria", "Jose", "Ana", "Mark", "Kristine", "John Paul", "Mary Grace", "Rodel", "Jocelyn",
            "Ramon", "Liza"), ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres",
                               "Tomas", "Aquino", "Villanueva", "dela Cruz")),
    "KH": (("Sok", "Chan", "Kim", "Srey", "Vann", "Phan"), ("Dara", "Sophea", "Vuthy", "Channary", "Rith")),
}


def person_name(r: random.Random, country: str) -> str:
    parts = _PERSON.get(country, _PERSON["SG"])
    if country == "VN":
        return f"{_pick(r, parts[0])} {_pick(r, parts[1])} {_pick(r, parts[2])}"
    return " ".join(p for p in (_pick(r, parts[0]), _pick(r, parts[1])) if p)


# ---------------------------------------------------------------- addresses
_TH_BKK = (("Khlong Toei", "Khlong Toei", "10110"), ("Bang Na", "Bang Na", "10260"),
           ("Huai Khwang", "Huai Khwang", "10310"), ("Silom", "Bang Rak", "10500"),
           ("Chatuchak", "Chatuchak", "10900"), ("Suan Luang", "Suan Luang", "10250"),
           ("Lat Krabang", "Lat Krabang", "10520"), ("Yan Nawa", "Sathon", "10120"))
_TH_ROADS = ("Sukhumvit", "Rama IX", "Ratchadaphisek", "Phetchaburi", "Bangna-Trad", "Srinagarindra",
             "Charoen Krung", "Phahonyothin", "Ladprao", "Rama III")
_TH_PROV = (("Bang Phli Yai", "Bang Phli", "Samut Prakan", "10540"), ("Si Racha", "Si Racha", "Chonburi", "20110"),
            ("Map Ta Phut", "Mueang Rayong", "Rayong", "21150"), ("Khlong Nueng", "Khlong Luang", "Pathum Thani", "12120"),
            ("Hat Yai", "Hat Yai", "Songkhla", "90110"), ("Bang Pakong", "Bang Pakong", "Chachoengsao", "24130"))
_MY_ST = ("Perindustrian", "Kenari", "Mutiara", "Puchong", "Klang Lama", "Meru", "Kapar", "Ampang", "Tun Razak",
          "Sungai Besi", "Batu Tiga", "Kuchai Lama")
_MY_TMN = ("Perindustrian Puchong", "Sri Muda", "Bukit Tinggi", "Desa", "Seri Kembangan", "Sentosa", "Perindustrian Meru")
_MY_CITY = (("Klang", "Selangor", "41050"), ("Shah Alam", "Selangor", "40150"), ("Puchong", "Selangor", "47100"),
            ("Petaling Jaya", "Selangor", "46100"), ("Kuala Lumpur", "Wilayah Persekutuan", "50450"),
            ("Johor Bahru", "Johor", "81100"), ("Pasir Gudang", "Johor", "81700"),
            ("Bayan Lepas", "Pulau Pinang", "11900"), ("Butterworth", "Pulau Pinang", "12000"),
            ("Kuching", "Sarawak", "93350"))
_SG_ST = (("Ubi Avenue 3", "408"), ("Kallang Way 1", "349"), ("Woodlands Loop", "738"), ("Toh Guan Road East", "608"),
          ("Pioneer Road North", "628"), ("Penjuru Lane", "609"), ("Tampines Industrial Avenue 5", "528"),
          ("Cecil Street", "069"), ("Anson Road", "079"), ("Beach Road", "199"), ("Kaki Bukit Road 3", "417"),
          ("Tai Seng Street", "534"))
_VN_HCM_ST = ("Nguyễn Văn Linh", "Lê Lợi", "Điện Biên Phủ", "Cộng Hòa", "Nguyễn Thị Minh Khai", "Trường Chinh",
              "Hoàng Văn Thụ", "Lê Văn Sỹ")
_VN_HCM_D = ("1", "3", "7", "10", "Tân Bình", "Bình Thạnh", "Gò Vấp", "Phú Nhuận")
_VN_HN_ST = ("Trần Duy Hưng", "Láng Hạ", "Kim Mã", "Nguyễn Chí Thanh", "Xuân Thủy", "Giải Phóng")
_VN_HN_D = ("Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Long Biên", "Ba Đình", "Thanh Xuân")
_ID_ST = ("Gatot Subroto", "Jend. Sudirman", "MH Thamrin", "Gunung Sahari", "Mangga Dua Raya", "Daan Mogot",
          "Pluit Raya", "Raya Bekasi", "Industri Raya", "Rungkut Industri", "Hayam Wuruk", "Kapuk Raya")
_ID_CITY = (("Jakarta Utara", "14450"), ("Jakarta Barat", "11470"), ("Jakarta Pusat", "10110"),
            ("Tangerang", "15111"), ("Bekasi", "17520"), ("Surabaya", "60293"), ("Batam", "29432"), ("Medan", "20112"))
_PH_ST = ("Rizal", "Mabini", "Bonifacio", "Del Pilar", "Quezon", "Ayala", "Shaw", "Ortigas", "Aurora", "Taft")
_PH_CITY = (("Makati City", "Metro Manila", "1200"), ("Pasig City", "Metro Manila", "1600"),
            ("Quezon City", "Metro Manila", "1100"), ("Parañaque City", "Metro Manila", "1700"),
            ("Cebu City", "Cebu", "6000"), ("Davao City", "Davao del Sur", "8000"), ("Mandaue City", "Cebu", "6014"))
_PH_BRGY = ("San Antonio", "Poblacion", "Bel-Air", "Kapitolyo", "San Isidro", "Ugong", "Bagong Ilog")
_CN_DIST = {"Shenzhen": ("Futian", "Nanshan", "Bao'an", "Longgang", "Longhua"), "Guangzhou": ("Baiyun", "Tianhe", "Panyu", "Haizhu"),
            "Yiwu": ("Futian Street", "Choujiang", "Beiyuan"), "Ningbo": ("Beilun", "Yinzhou"), "Dongguan": ("Chang'an", "Humen"),
            "Xiamen": ("Huli", "Siming"), "Shanghai": ("Pudong New", "Minhang", "Songjiang"), "Hangzhou": ("Xiaoshan", "Yuhang"),
            "Foshan": ("Shunde", "Nanhai"), "Suzhou": ("Wuzhong", "Xiangcheng"), "Qingdao": ("Huangdao", "Chengyang"),
            "Tianjin": ("Binhai New", "Xiqing")}
_CN_ROAD = ("Shennan", "Huaqiang North", "Binhe", "Chaoyang", "Renmin", "Zhongshan", "Jiefang", "Xinhua", "Jianshe",
            "Gongye", "Keji", "Chuangye")
_FOREIGN_CITY = {"HK": ("Kwun Tong", "Tsim Sha Tsui", "Kwai Chung", "Sheung Wan"), "KR": ("Seoul", "Busan", "Incheon"),
                 "JP": ("Tokyo", "Osaka", "Yokohama", "Nagoya"), "IN": ("Mumbai", "Chennai", "New Delhi", "Ahmedabad"),
                 "AE": ("Dubai", "Sharjah", "Abu Dhabi"), "US": ("Los Angeles, CA", "Newark, NJ", "Houston, TX"),
                 "NL": ("Rotterdam", "Venlo"), "DE": ("Hamburg", "Düsseldorf"), "BE": ("Antwerpen", "Mechelen"),
                 "FR": ("Lyon", "Marseille"), "IT": ("Milano", "Prato"), "ES": ("Valencia", "Barcelona"),
                 "GB": ("Felixstowe", "Manchester"), "LA": ("Vientiane",), "MM": ("Yangon",)}
COUNTRY_NAME = {"CN": "China", "HK": "Hong Kong", "KR": "Korea", "JP": "Japan", "IN": "India", "AE": "UAE",
                "US": "USA", "NL": "Netherlands", "DE": "Germany", "BE": "Belgium", "FR": "France", "IT": "Italy",
                "ES": "Spain", "GB": "United Kingdom", "LA": "Lao PDR", "MM": "Myanmar", "TH": "Thailand",
                "MY": "Malaysia", "SG": "Singapore", "VN": "Vietnam", "ID": "Indonesia", "PH": "Philippines",
                "KH": "Cambodia"}


def address(r: random.Random, country: str) -> str:
    n = r.randint(1, 399)
    if country == "TH":
        if r.random() < 0.55:
            kw, kh, pc = _pick(r, _TH_BKK)
            return f"{n}/{r.randint(1, 99)} Soi {_pick(r, _TH_ROADS)} {r.randint(1, 99)}, {_pick(r, _TH_ROADS)} Road, {kw}, {kh}, Bangkok {pc}"
        t, a, p, pc = _pick(r, _TH_PROV)
        return f"{n}/{r.randint(1, 60)} Moo {r.randint(1, 12)}, {_pick(r, _TH_ROADS)} Road, {t}, {a}, {p} {pc}"
    if country == "MY":
        c, s, pc = _pick(r, _MY_CITY)
        return f"No. {n}, Jalan {_pick(r, _MY_ST)} {r.randint(1, 30)}, Taman {_pick(r, _MY_TMN)}, {pc} {c}, {s}"
    if country == "SG":
        st, pre = _pick(r, _SG_ST)
        return f"{n} {st} #{r.randint(1, 15):02d}-{r.randint(1, 99):02d}, Singapore {pre}{r.randint(100, 999)}"
    if country == "VN":
        if r.random() < 0.6:
            return f"Số {n} đường {_pick(r, _VN_HCM_ST)}, Phường {r.randint(1, 15)}, Quận {_pick(r, _VN_HCM_D)}, TP. Hồ Chí Minh"
        return f"Số {n} phố {_pick(r, _VN_HN_ST)}, Phường {r.randint(1, 20)}, Quận {_pick(r, _VN_HN_D)}, Hà Nội"
    if country == "ID":
        c, pc = _pick(r, _ID_CITY)
        return f"Jl. {_pick(r, _ID_ST)} No. {n}, {c} {pc}"
    if country == "PH":
        c, reg, pc = _pick(r, _PH_CITY)
        return f"{n} {_pick(r, _PH_ST)} St., Brgy. {_pick(r, _PH_BRGY)}, {c}, {reg} {pc}"
    if country == "KH":
        return f"No. {n}, Street {r.randint(2, 600)}, Sangkat {_pick(r, ('Tonle Bassac', 'Boeung Keng Kang', 'Toul Kork', 'Chak Angre'))}, Phnom Penh"
    if country == "CN":
        city = _pick(r, tuple(_CN_DIST))
        return f"No. {n} {_pick(r, _CN_ROAD)} Road, {_pick(r, _CN_DIST[city])} District, {city}, China"
    city = _pick(r, _FOREIGN_CITY.get(country, ("Central",)))
    return f"{n} {_pick(r, ('Harbour', 'Industrial', 'Commerce', 'Station', 'Park', 'Market'))} {_pick(r, ('Road', 'Street', 'Avenue'))}, {city}, {COUNTRY_NAME.get(country, country)}"


# corporate-services addresses shared by many unrelated, legitimate companies
AGENT_ADDRESSES = {
    "SG": ("111 North Bridge Road #21-01, Peninsula Plaza, Singapore 179098",
           "1 Raffles Place #20-61, One Raffles Place Tower 2, Singapore 048616",
           "10 Anson Road #10-11, International Plaza, Singapore 079903"),
    "MY": ("Level 15-2, Menara Faber Imperial Court, Jalan Sultan Ismail, 50250 Kuala Lumpur",
           "Suite 13A-3, Level 13A, Wisma Perdana, Jalan Dungun, Damansara Heights, 50490 Kuala Lumpur"),
    "TH": ("21st Floor, Sathorn Square, 98 North Sathorn Road, Silom, Bang Rak, Bangkok 10500",),
    "VN": ("Tầng 12, Tòa nhà Saigon Trade Center, 37 Tôn Đức Thắng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",),
    "ID": ("Gedung Wisma 46 Lt. 30, Jl. Jend. Sudirman Kav. 1, Jakarta Pusat 10220",),
    "PH": ("Unit 2301, Antel Global Corporate Center, Julia Vargas Ave, Ortigas Center, Pasig City 1605",),
    "KH": ("Level 8, Vattanac Capital Tower, 66 Monivong Blvd, Phnom Penh",),
    "HK": ("Room 1203, 12/F, Tower 1, Silvercord, 30 Canton Road, Tsim Sha Tsui, Kowloon, Hong Kong",),
}
# business parks: tenants share the estate address with different unit numbers
PARKS = {
    "TH": "{u} Moo 1, Amata City Chonburi Industrial Estate, Bangna-Trad Road Km. 57, Nong Mai Daeng, Mueang Chonburi, Chonburi 20000",
    "MY": "Lot {u}, Kawasan Perindustrian Bayan Lepas Fasa 4, 11900 Bayan Lepas, Pulau Pinang",
    "SG": "{u} Kaki Bukit View #0{f}-{u}, Techview, Singapore 415941",
    "VN": "Lô {u}, KCN VSIP 1, Thuận An, Bình Dương",
    "ID": "Kawasan Industri Jababeka, Jl. Jababeka Raya Blok {u}, Cikarang, Bekasi 17530",
    "PH": "Lot {u}, Laguna Technopark, Biñan, Laguna 4024",
    "KH": "Plot {u}, Phnom Penh Special Economic Zone, National Road 4, Phnom Penh",
}
# free-zone addresses for trading companies used as laundering fronts (and some legitimate ones)
FREE_ZONE_ADDRESSES = {
    "MY": ("Lot {u}, Port Klang Free Zone, Jalan Pulau Indah, 42920 Pulau Indah, Selangor",
           "PTP Free Zone, Block {u}, Jalan Pelabuhan Tanjung Pelepas, 81560 Gelang Patah, Johor"),
    "AE": ("Plot {u}, Jebel Ali Free Zone (JAFZA), Dubai",),
    "ID": ("Kawasan Industri Batamindo Lot {u}, Muka Kuning, Batam 29433",),
    "PH": ("Bldg {u}, Subic Bay Freeport Zone, Zambales 2222",),
}
