"""The rules that find residual identifiers, each a small function returning candidate findings.

Structured identifiers (emails, URLs, phone numbers, dates, ID numbers, addresses, postcodes) are
regular expressions, phone numbers checked by Google's libphonenumber (``phonenumbers``). Names,
places, schools and clinics are found on spaCy's tokens (``spacy.blank("en")``: a tokenizer and a
sentence splitter, no model): a word from the name lists, a capitalised word after a title ("Dr",
"Sister", "Sekuru"), after kinship ("my brother …") or after "my name is"; institutions by their last
word ("… Primary School", "… Hospital"); places from the gazetteer. A name that is also a common
English word ("Hope", "Will", "Reading") needs such context, or a capital letter mid-sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers
import spacy
from spacy.tokens import Doc, Token

from consult_coder.anonymity.lists import common_words, names, places
from consult_coder.importers.speakers import is_known_label

Candidate = tuple[int, int, str]  # start, end, kind

# --- Structured identifiers ------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}")
_TLDS = r"(?:com|org|net|edu|gov|info|io|co\.zw|ac\.zw|org\.zw|gov\.zw|co\.za|ac\.za|org\.za|co\.uk|" \
        r"org\.uk|ac\.uk|nhs\.uk|gov\.uk|zw|za|uk)"
_URL = re.compile(rf"\b(?:https?://|www\.)[^\s<>\"'()]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.{_TLDS}\b"
                  r"(?:/[^\s<>\"'()]*)?", re.IGNORECASE)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
         r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_DATES = [
    re.compile(rf"\b{_DAY}(?: of)? {_MONTH}(?:,? {_YEAR})?\b"),  # 3 March 2007, 12th of June
    re.compile(rf"\b{_MONTH} {_DAY}(?:,? {_YEAR})?\b(?![:.]\d)"),  # March 3rd, 2007
    re.compile(rf"\b{_MONTH} {_YEAR}\b"),  # March 2007: a visit's month
    re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|1[0-2])[/.](?:\d{4}|\d{2})\b"),  # 03/03/2007
    re.compile(rf"\b{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"),  # 2007-03-03
    re.compile(rf"(?i:\b(?:born|birthday|date of birth|d\.o\.b\.?|dob)\b[ :,]*(?:on |in |was |is )?)"
               rf"(?:{_YEAR})\b"),  # born in 2007 (the year is kept in the span below)
]
_BORN_YEAR = re.compile(_YEAR + r"$")
# Zimbabwe's national ID: 63-123456 A 42 (district, number, check letter, district of origin).
_ZW_ID = re.compile(r"\b\d{2}[- ]?\d{6,7}[- ]?[A-Z][- ]?\d{2}\b")
_NI_NUMBER = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_NHS_NUMBER = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
_ID_CONTEXT = re.compile(r"(?i)\b(?:id|passport|hospital|nhs|patient|reference|ref|student|national id|"
                         r"registration|reg)(?: number| no\.?| #)?[ :]*(?:is |was )?"
                         r"(?P<id>[A-Z0-9][A-Z0-9/-]{4,}[A-Z0-9])\b")
_STREET = r"(?:Road|Rd|Street|St|Avenue|Ave|Drive|Lane|Close|Crescent|Way|Place|Court|Gardens|Terrace|" \
          r"Grove)\b"
_ADDRESS = re.compile(rf"\b\d{{1,5}}[A-Za-z]? (?:[A-Z][a-z]+ ){{1,3}}{_STREET}")
_NAMED_STREET = re.compile(rf"\b(?:on|in|at|off|near|along) (?P<street>(?:[A-Z][a-z]+ ){{1,3}}{_STREET})")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b")
_PHONE_REGIONS = ("ZW", "GB")


def structured(text: str) -> Iterator[Candidate]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), "EMAIL"
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}’'\"":
            end -= 1  # sentence punctuation after a URL is not part of it
        yield m.start(), end, "URL"
    yield from _phones(text)
    for pattern in _DATES:
        for m in pattern.finditer(text):
            span = m.group(0)
            if pattern is _DATES[-1]:  # "born in 2007": the year is the identifier
                year = _BORN_YEAR.search(span)
                if year:
                    yield m.start() + year.start(), m.end(), "DATE"
                continue
            yield m.start(), m.end(), "DATE"
    for pattern in (_ZW_ID, _NI_NUMBER):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), "ID"
    for m in _NHS_NUMBER.finditer(text):
        if _nhs_checksum_ok(m.group(0)):
            yield m.start(), m.end(), "ID"
    for m in _ID_CONTEXT.finditer(text):
        if any(ch.isdigit() for ch in m.group("id")):
            yield m.start("id"), m.end("id"), "ID"
    for pattern in (_ADDRESS, _POSTCODE):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), "PLACE"
    for m in _NAMED_STREET.finditer(text):
        yield m.start("street"), m.end("street"), "PLACE"


def _phones(text: str) -> Iterator[Candidate]:
    """Numbers valid in Zimbabwe or the UK (or anywhere, with a + prefix), and any long number written
    like a phone number (starting 0 or +, nine digits or more), valid or not."""
    for region in _PHONE_REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            raw = m.raw_string
            digits = sum(ch.isdigit() for ch in raw)
            valid = phonenumbers.is_valid_number(m.number)
            if (valid and digits >= 9) or (raw.lstrip("(").startswith(("0", "+")) and digits >= 9):
                yield m.start, m.end, "PHONE"


def _nhs_checksum_ok(number: str) -> bool:
    digits = [int(ch) for ch in number if ch.isdigit()]
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9] and check != 10


# --- Names, places and institutions, on tokens --------------------------------------------------------

TITLES = {
    "dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sister", "sr", "nurse", "matron",
    "pastor", "rev", "reverend", "father", "fr", "auntie", "aunty", "aunt", "uncle", "sir", "madam",
    "mister", "teacher", "coach", "officer", "constable", "bishop", "apostle", "prophet", "sheikh", "imam",
    # Shona and Ndebele forms of address: grandfather/uncle, grandmother, aunt, mother of, father of
    "sekuru", "mbuya", "ambuya", "gogo", "tete", "mainini", "babamunini", "amai", "mai", "baba", "mama",
    "babamkhulu", "umama", "ubaba",
}
_ABBREVIATED = {"dr", "mr", "mrs", "ms", "mx", "prof", "rev", "fr", "sr", "st"}
KIN = {
    "brother", "sister", "mum", "mom", "mother", "dad", "father", "aunt", "auntie", "aunty", "uncle",
    "cousin", "gran", "granny", "grandma", "grandmother", "grandad", "granddad", "grandpa", "grandfather",
    "nan", "nana", "boyfriend", "girlfriend", "friend", "mate", "bestie", "son", "daughter", "husband",
    "wife", "partner", "stepdad", "stepmum", "stepmom", "stepbrother", "stepsister", "niece", "nephew",
    "neighbour", "neighbor", "teacher", "counsellor", "therapist", "doctor", "nurse", "social worker",
    "carer", "guardian", "baby", "twin", "sibling", "classmate", "colleague", "boss", "pastor",
}
_POSSESSIVES = {"my", "our", "her", "his", "their", "your"}
_INTRODUCTIONS = [("my", "name", "is"), ("my", "name", "'s"), ("my", "name", "’s"), ("name", "was"),
                  ("i", "'m", "called"), ("i", "’m", "called"), ("i", "am", "called"), ("call", "me"),
                  ("his", "name", "is"), ("her", "name", "is"), ("their", "name", "is"), ("named",),
                  ("i", "'m"), ("i", "’m"), ("i", "am"), ("this", "is"), ("it", "'s"), ("it", "’s")]
# Capitalised for reasons other than being someone's name.
NOT_NAMES = {
    "i", "god", "jesus", "christ", "allah", "lord", "christmas", "easter", "ramadan", "eid", "english",
    "british", "african", "christian", "muslim", "catholic", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "ok", "okay", "yeah", "camhs", "nhs", "gp", "year", "mr",
    "mrs", "ms", "dr", *(m for m in _MONTHS),
    # languages, nationalities and school subjects, capitalised mid-sentence
    "french", "german", "spanish", "italian", "welsh", "scottish", "irish", "american", "chinese",
    "polish", "portuguese", "shona", "ndebele", "zulu", "xhosa", "swahili", "zimbabwean", "european",
    "black", "white", "asian", "mixed", "maths", "science", "history", "geography", "art", "music", "drama",
    "biology", "chemistry", "physics",
}
_PLACE_PREPOSITIONS = {"in", "from", "at", "near", "to", "around", "outside", "towards", "past", "through",
                       "into", "of"}
_SCHOOL_WORDS = {"school", "academy", "college", "university", "polytechnic", "primary", "high", "form"}
_CLINIC_WORDS = {"clinic", "polyclinic", "hospital", "surgery", "infirmary", "hospice", "centre", "center"}
_GENERIC = {
    "the", "my", "our", "a", "an", "his", "her", "their", "this", "that", "primary", "secondary", "high",
    "junior", "senior", "local", "community", "state", "private", "public", "new", "old", "boarding",
    "day", "catholic", "christian", "girls", "boys", "mission", "government", "village", "rural", "city",
    "town", "special", "international", "medical", "nursing", "sixth", "form", "further", "education",
    "children", "children's", "childrens", "general", "district", "provincial", "central", "mental",
    "health", "psychiatric", "teaching", "maternity", "family", "youth", "gp", "nhs", "camhs", "walk",
    "in", "walk-in", "main", "big", "small", "same", "other", "school", "college", "clinic",
    "university", "hospital", "practice", "doctors", "doctor's", "dental", "eye", "specialist", "and",
}


@lru_cache(maxsize=1)
def _nlp() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def tokens(text: str) -> Doc:
    return _nlp()(text)


def _titled(tok: Token) -> bool:
    """Capitalised like a name: "Tendai", "McDonald", "O'Brien"."""
    t = tok.text
    return len(t) > 1 and t[0].isupper() and any(ch.islower() for ch in t[1:]) and \
        all(ch.isalpha() or ch in "'’-" for ch in t)


def _initial(tok: Token) -> bool:
    """At the start of a sentence, a line, a quotation or after a speaker label: capitalised anyway."""
    if tok.i == 0 or tok.is_sent_start:
        return True
    prev = tok.doc[tok.i - 1]
    return prev.is_space or "\n" in prev.whitespace_ or prev.text in {":", '"', "“", "‘", "'", "(", "-", "–",
                                                                      "—", "…", "...", "?", "!", "."}


def _name_like(tok: Token, context: bool) -> bool:
    """Is this capitalised word a name? With ``context`` (a title, kinship, "my name is") any
    capitalised word that is not obviously something else; without, only a listed name, and a
    listed name that is a common word only mid-sentence."""
    if not _titled(tok):
        return False
    low = tok.lower_
    if low in NOT_NAMES:
        return False
    if context:
        return True
    if low not in names():
        return False
    return low not in common_words() or not _initial(tok)


def names_and_places(text: str, doc: Doc | None = None) -> Iterator[Candidate]:
    doc = doc if doc is not None else tokens(text)
    yield from _list_names(doc)
    yield from _context_names(doc)
    yield from _va_names(text)
    yield from _institutions(doc)
    yield from _places(doc)
    yield from _speaker_labels(text)


def _extend(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token range [start, end) widened over the rest of a full name ("Tendai" → "Tendai Moyo")."""
    while end < len(doc) and end - start < 4 and not doc[end - 1].whitespace_.count("\n"):
        nxt = doc[end]
        if _titled(nxt) and nxt.lower_ not in NOT_NAMES and nxt.lower_ not in _CLINIC_WORDS | _SCHOOL_WORDS \
                and (nxt.lower_ in names() or nxt.lower_ not in common_words()) and not _initial(nxt):
            end += 1
        else:
            break
    return start, end


def _span(doc: Doc, start: int, end: int, kind: str) -> Candidate:
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), kind


def _list_names(doc: Doc) -> Iterator[Candidate]:
    i = 0
    while i < len(doc):
        tok = doc[i]
        if _name_like(tok, context=False) and not _date_word(doc, i):
            start, end = _extend(doc, i, i + 1)
            yield _span(doc, start, end, "NAME")
            i = end
        else:
            i += 1


def _date_word(doc: Doc, i: int) -> bool:
    """"May" in "3 May" or "May 3" is a month, not a name."""
    near = [doc[j] for j in (i - 1, i + 1) if 0 <= j < len(doc)]
    return doc[i].lower_ in _MONTHS or any(t.like_num for t in near)


def _context_names(doc: Doc) -> Iterator[Candidate]:
    lower = [t.lower_ for t in doc]
    for i, word in enumerate(lower):
        after = _name_position(doc, lower, i)
        if after is None or after >= len(doc):
            continue
        if _name_like(doc[after], context=True) and not (word in KIN and doc[after].lower_ in KIN):
            start, end = _extend(doc, after, after + 1)
            yield _span(doc, start, end, "NAME")
        elif lower[i:i + 3] == ["my", "name", "is"] and doc[after].lower_ in names():
            yield _span(doc, after, after + 1, "NAME")  # "my name is tendai", written in lower case


_KIN_BEFORE = _POSSESSIVES | {"little", "big", "older", "younger"}


def _name_position(doc: Doc, lower: list[str], i: int) -> int | None:
    """Where a name would start if the word at ``i`` introduces one (a title, "my sister",
    "my name is"); None if it does not."""
    word = lower[i]
    if word in TITLES:
        return _after_title(doc, i, word)
    if word in KIN and i and lower[i - 1] in _KIN_BEFORE:
        after = i + 1
        return after + 1 if after < len(doc) and doc[after].text == "," else after
    for intro in _INTRODUCTIONS:
        if tuple(lower[i:i + len(intro)]) == intro:
            return i + len(intro)
    return None


def _after_title(doc: Doc, i: int, word: str) -> int | None:
    after = i + 1
    if after < len(doc) and doc[after].text == ".":
        if word not in _ABBREVIATED:
            return None  # "Dr. Moyo"; but "my aunt. So …" ends a sentence
        after += 1
    # "the doctor Said" is rare, "doctor Moyo" is not: a lower-case title needs a listed or unusual
    # word after it
    if word not in KIN and not doc[i].text[0].isupper() and after < len(doc) and \
            doc[after].lower_ in common_words() and doc[after].lower_ not in names():
        return None
    return after


_VA = re.compile(r"\b[Vv]a[A-Z][a-z]{2,}\b")  # Shona's respectful prefix: VaMoyo, vaChikwanha


def _va_names(text: str) -> Iterator[Candidate]:
    for m in _VA.finditer(text):
        yield m.start(), m.end(), "NAME"


def _institutions(doc: Doc) -> Iterator[Candidate]:
    """"Prince Edward School", "St Mary's Primary School", "Parirenyatwa Hospital": capitalised words
    ending in an institution's word, at least one of them not generic ("the local clinic" is not)."""
    for i in range(len(doc)):
        kind = _institution_word(doc, i)
        if kind is None:
            continue
        j = _institution_start(doc, i)
        if j < i and any(doc[k].lower_ not in _GENERIC for k in range(j, i)):
            yield _span(doc, j, i + 1, kind)


_INSTITUTION_WORDS = _SCHOOL_WORDS | _CLINIC_WORDS


def _institution_word(doc: Doc, i: int) -> str | None:
    """CLINIC or SCHOOL if the token at ``i`` ends an institution's name, else None."""
    tok = doc[i]
    low = tok.lower_
    if not tok.text[:1].isupper() or low not in _INSTITUTION_WORDS:
        return None
    if i + 1 < len(doc) and doc[i + 1].lower_ in _INSTITUTION_WORDS and doc[i + 1].text[:1].isupper():
        return None  # "High School": the span ends at the last institution word
    if low in {"centre", "center"} and not (i and doc[i - 1].lower_ in {"health", "medical"}):
        return None
    return "CLINIC" if low in _CLINIC_WORDS else "SCHOOL"


def _institution_start(doc: Doc, i: int) -> int:
    """The first word of the name ending at ``i``: up to six capitalised words back, less any generic
    words ("the", "local") it starts with."""
    j = i
    while j > 0 and i - j < 6:
        prev = doc[j - 1]
        if prev.text in {"'s", "’s", "St", "St.", "Saint", "-"} or (_titled(prev) or prev.is_upper) \
                and not prev.is_space:
            j -= 1
        else:
            break
    while j < i and (doc[j].lower_ in _GENERIC or doc[j].text in {"'s", "’s", "-"}):
        j += 1
    return j


def _places(doc: Doc) -> Iterator[Candidate]:
    gazetteer = places()
    longest = max((len(k) for k in gazetteer), default=1)
    i = 0
    while i < len(doc):
        for n in range(longest, 0, -1):
            words = tuple(t.text for t in doc[i:i + n])
            if len(words) == n and words in gazetteer:
                first = doc[i]
                ambiguous = n == 1 and first.lower_ in common_words()
                preceded = i > 0 and doc[i - 1].lower_ in _PLACE_PREPOSITIONS
                if not ambiguous or preceded:
                    yield _span(doc, i, i + n, "PLACE")
                    i += n - 1
                break
        i += 1


_LABEL = re.compile(r"(?m)^(?P<label>[^\n:]{1,40}): ")
_ROLES = {
    "interviewer", "facilitator", "moderator", "researcher", "participant", "respondent", "interviewee",
    "young", "person", "people", "clinician", "speaker", "mum", "mom", "dad", "parent", "carer", "doctor",
    "nurse", "teacher", "counsellor", "therapist", "psychologist", "psychiatrist", "social", "worker",
    "unknown", "practitioner", "staff", "student", "pupil", "child", "client", "patient", "guardian",
}


def _speaker_labels(text: str) -> Iterator[Candidate]:
    """A speaker label that is a person's name ("Jane Doe: …", as Teams writes them), not a role
    ("Interviewer", "Young person") nor an id ("P07")."""
    for m in _LABEL.finditer(text):
        words = m["label"].split()
        if 1 <= len(words) <= 4 and all(w[:1].isupper() and w.isalpha() and len(w) > 1 for w in words) and \
                not any(w.casefold() in _ROLES for w in words) and not is_known_label(m["label"]):
            yield m.start("label"), m.end("label"), "NAME"
