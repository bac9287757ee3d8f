"""Malaysia's states and territories by ISO 3166-2 code: the MyKad place-of-birth numbers."""

STATES: dict[str, str] = {
    "MY-01": "Johor",
    "MY-02": "Kedah",
    "MY-03": "Kelantan",
    "MY-04": "Melaka",
    "MY-05": "Negeri Sembilan",
    "MY-06": "Pahang",
    "MY-07": "Pulau Pinang",
    "MY-08": "Perak",
    "MY-09": "Perlis",
    "MY-10": "Selangor",
    "MY-11": "Terengganu",
    "MY-12": "Sabah",
    "MY-13": "Sarawak",
    "MY-14": "W.P. Kuala Lumpur",
    "MY-15": "W.P. Labuan",
    "MY-16": "W.P. Putrajaya",
}

CODE_BY_NAME = {name: code for code, name in STATES.items()}
