"""Runners' names as the entry forms of a Kuala Lumpur ekiden bring them, and the clubs that enter.

Four communities run (Malay, Chinese, Indian, Japanese), each writing names its own way: a
father's name after bin/binti or a/l, a/p (s/o, d/o on older identity cards), a surname first,
Chinese or Japanese characters, a nickname in quotes, "Surname, Given" with a comma. A few
visitors from further away bring letters with accents. Each function returns the name and a
nationality (ISO 3166 alpha-2) likely for it.
"""

import random

MALAY_MEN = (
    "Muhammad Hafiz",
    "Ahmad Faizal",
    "Mohd Azlan",
    "Khairul Anuar",
    "Amirul Hakim",
    "Syafiq",
    "Hakim",
    "Faris",
    "Aiman",
    "Zulkifli",
    "Ikhwan",
    "Haziq",
    "Firdaus",
    "Rizal",
    "Nazri",
    "Shahrul Nizam",
    "Azman",
    "Hafizuddin",
)
MALAY_WOMEN = (
    "Nurul Aisyah",
    "Siti Aminah",
    "Nur Izzati",
    "Farah Nadia",
    "Aishah",
    "Nor Hidayah",
    "Nabila",
    "Syazwani",
    "Aina Sofea",
    "Amira",
    "Liyana",
    "Zarina",
    "Nurul Huda",
    "Fatimah",
    "Hanis",
    "Nur Syafiqah",
)
MALAY_FATHERS = (
    "Ahmad",
    "Othman",
    "Ismail",
    "Hassan",
    "Yusof",
    "Abdullah",
    "Ibrahim",
    "Hamid",
    "Osman",
    "Abdul Rahman",
    "Razak",
    "Salleh",
    "Kassim",
    "Mahmud",
    "Zainal",
    "Mohamad",
)

CHINESE_SURNAMES = (
    "Tan",
    "Lim",
    "Lee",
    "Ng",
    "Wong",
    "Chong",
    "Chan",
    "Teh",
    "Goh",
    "Ong",
    "Yap",
    "Loh",
    "Chin",
    "Leong",
    "Foo",
    "Khoo",
    "Liew",
)
CHINESE_MEN = ("Wei Ming", "Jun Jie", "Kah Wai", "Chee Keong", "Boon Hock", "Zhi Hao", "Kok Leong", "Jia Jun")
CHINESE_WOMEN = ("Mei Ling", "Jia Hui", "Xin Yi", "Siew Lan", "Pei Shan", "Hui Min", "Li Ying", "Wen Qi")
NICKNAMES_MEN = ("Jason", "Kelvin", "Ah Boy", "Eddie")
NICKNAMES_WOMEN = ("Mimi", "Winnie", "Jess", "Candy")
HANZI_SURNAMES = ("李", "王", "张", "陈", "林", "黄", "吴", "刘", "郑", "杨")
HANZI_MEN = ("伟明", "俊杰", "志豪", "建华", "家豪", "国强")
HANZI_WOMEN = ("秀兰", "嘉慧", "美玲", "欣怡", "丽娟", "晓燕")

INDIAN_MEN = (
    "Saravanan",
    "Rajesh",
    "Kumar",
    "Arun",
    "Vijay",
    "Ganesh",
    "Suresh",
    "Prakash",
    "Karthik",
    "Ravi",
)
INDIAN_WOMEN = (
    "Priya",
    "Lakshmi",
    "Kavitha",
    "Deepa",
    "Anjali",
    "Meena",
    "Shalini",
    "Revathi",
    "Sangeetha",
    "Nirmala",
)
INDIAN_FATHERS = (
    "Muthu",
    "Ramasamy",
    "Krishnan",
    "Subramaniam",
    "Raman",
    "Arumugam",
    "Govindasamy",
    "Perumal",
    "Maniam",
)
INDIAN_FAMILY_NAMES = ("Menon", "Nair", "Rao", "Pillai", "Iyer")

#: (kanji, romaji): written surname first, as on a Japanese entry form.
JAPANESE_SURNAMES = (
    ("佐藤", "Sato"),
    ("鈴木", "Suzuki"),
    ("高橋", "Takahashi"),
    ("田中", "Tanaka"),
    ("渡辺", "Watanabe"),
    ("伊藤", "Ito"),
    ("山本", "Yamamoto"),
    ("中村", "Nakamura"),
    ("小林", "Kobayashi"),
    ("加藤", "Kato"),
    ("吉田", "Yoshida"),
    ("山田", "Yamada"),
    ("佐々木", "Sasaki"),
    ("松本", "Matsumoto"),
)
JAPANESE_MEN = (
    ("健", "Ken"),
    ("大輔", "Daisuke"),
    ("翔太", "Shota"),
    ("浩", "Hiroshi"),
    ("拓也", "Takuya"),
    ("誠", "Makoto"),
    ("健太", "Kenta"),
    ("隆", "Takashi"),
)
JAPANESE_WOMEN = (
    ("花子", "Hanako"),
    ("美咲", "Misaki"),
    ("陽子", "Yoko"),
    ("由美", "Yumi"),
    ("恵", "Megumi"),
    ("さくら", "Sakura"),
    ("直子", "Naoko"),
    ("愛", "Ai"),
)


def malay_name(rng: random.Random, gender: str) -> tuple[str, str]:
    if gender == "M":
        name = f"{rng.choice(MALAY_MEN)} bin {rng.choice(MALAY_FATHERS)}"
    else:
        name = f"{rng.choice(MALAY_WOMEN)} binti {rng.choice(MALAY_FATHERS)}"
    return name, rng.choices(("MY", "SG", "ID"), (90, 6, 4))[0]


def chinese_name(rng: random.Random, gender: str) -> tuple[str, str]:
    style = rng.random()
    if style < 0.2:  # written in Chinese characters, as some runners enter it
        given = HANZI_MEN if gender == "M" else HANZI_WOMEN
        nationality = rng.choices(("MY", "CN", "TW"), (50, 35, 15))[0]
        return rng.choice(HANZI_SURNAMES) + rng.choice(given), nationality
    surname = rng.choice(CHINESE_SURNAMES)
    given = rng.choice(CHINESE_MEN if gender == "M" else CHINESE_WOMEN)
    if style < 0.25:  # the form asked for "Surname, Given names"
        name = f"{surname}, {given}"
    elif style < 0.3:  # the English name friends call them by, in quotes
        name = f'{surname} "{rng.choice(NICKNAMES_MEN if gender == "M" else NICKNAMES_WOMEN)}" {given}'
    else:
        name = f"{surname} {given}"
    return name, rng.choices(("MY", "SG"), (85, 15))[0]


def indian_name(rng: random.Random, gender: str) -> tuple[str, str]:
    given = rng.choice(INDIAN_MEN if gender == "M" else INDIAN_WOMEN)
    style = rng.random()
    if style < 0.2:
        name = f"{given} {rng.choice(INDIAN_FAMILY_NAMES)}"
    else:
        # Malaysian identity cards write the father's name: a/l, a/p, or the older s/o, d/o.
        link = ("a/l" if style < 0.6 else "s/o") if gender == "M" else ("a/p" if style < 0.6 else "d/o")
        name = f"{given} {link} {rng.choice(INDIAN_FATHERS)}"
    return name, rng.choices(("MY", "IN", "SG"), (80, 15, 5))[0]


def japanese_name(rng: random.Random, gender: str) -> tuple[str, str]:
    surname = rng.choice(JAPANESE_SURNAMES)
    given = rng.choice(JAPANESE_MEN if gender == "M" else JAPANESE_WOMEN)
    script = 0 if rng.random() < 0.6 else 1
    return f"{surname[script]} {given[script]}", "JP"


#: Colleagues and neighbours from elsewhere: (name, gender, nationality).
VISITORS = (
    ("Søren Østergaard", "M", "DK"),
    ("Jürgen Müller", "M", "DE"),
    ("Nguyễn Văn An", "M", "VN"),
    ("François Lefèvre", "M", "FR"),
    ("Seán O'Brien", "M", "IE"),
    ("Zoë Campbell", "F", "AU"),
    ("Ngô Bảo Châu", "F", "VN"),
    ("Ingrid Løvås", "F", "NO"),
    ("Hélène Dubois", "F", "FR"),
    ("Siobhán Kelly", "F", "IE"),
)


def visitor_name(rng: random.Random, gender: str) -> tuple[str, str]:
    name, _gender, nationality = rng.choice([v for v in VISITORS if v[1] == gender])
    return name, nationality


COMMUNITIES = {
    "malay": malay_name,
    "chinese": chinese_name,
    "indian": indian_name,
    "japanese": japanese_name,
}

#: Clubs that enter teams, how often, and who runs for them (malay, chinese, indian, japanese).
CLUBS = (
    ("Petaling Jaya Harriers", 14, (30, 40, 25, 5)),
    ("Japanese Club of KL", 14, (3, 3, 2, 92)),
    ("JICA Malaysia", 8, (35, 10, 5, 50)),
    ("KL Hash House Harriers", 9, (25, 40, 25, 10)),
    ("Putrajaya Striders", 8, (70, 15, 15, 0)),
    ("Shah Alam Runners, Selangor", 7, (75, 10, 15, 0)),
    ("Subang Jaya Road Runners", 7, (30, 45, 25, 0)),
    ("Mont Kiara Running Club", 6, (15, 30, 15, 40)),
    ("Kuala Lumpur Japanese School PTA", 5, (0, 5, 0, 95)),
    ("Universiti Malaya", 8, (50, 30, 20, 0)),
    ("Universiti Kebangsaan Malaysia", 6, (70, 15, 15, 0)),
    ("Universiti Putra Malaysia", 5, (65, 20, 15, 0)),
    ("Monash University Malaysia", 4, (20, 50, 25, 5)),
    ("Taylor's University", 4, (25, 45, 25, 5)),
    ("Maybank Running Club", 6, (45, 35, 20, 0)),
    ("Petronas Runners", 6, (60, 20, 20, 0)),
    ("Tenaga Nasional", 5, (70, 15, 15, 0)),
    ("Panasonic Malaysia", 5, (30, 30, 15, 25)),
    ("Toyota Tsusho Malaysia", 4, (30, 20, 10, 40)),
    ("Ajinomoto Malaysia", 4, (35, 25, 10, 30)),
    ("AEON Co. (M)", 5, (45, 30, 15, 10)),
    ("Sime Darby Plantation", 4, (55, 20, 25, 0)),
)
#: Teams of friends: no club, a name of their own, each used once.
FRIENDS_TEAMS = (
    "Kobayashi & Friends",
    "Teh Tarik Runners",
    "Nasi Lemak Express",
    "Roti Canai Relay",
    "Durian Dashers",
    "Satay Sprinters",
    "Tasuki Tigers",
    "Sakura Wind",
    "Banana Leaf Blazers",
    "Genting Hill Climbers",
    "Kopitiam Kings",
    "Mamak Milers",
    "Onigiri Express",
    "Chendol Chasers",
    "Rambutan Relay",
    "Bukit Tabur Goats",
    "Cendana Pacers",
    "Batu Caves Steps Club",
    "Klang Valley Kakis",
    "Uncle Lim's Breakfast Club",
)
FRIENDS_COMMUNITIES = (30, 30, 25, 15)
