# Characters of the book: canonical name -> every name the text uses, and the gender (m, f or ?).
# Merge two entries, add or drop an alias, rename a key or fix a gender, then re-run
# make_datasets.sh with STAGE=speakers. This file is read as data, never executed.
CHARACTERS = {
    "Маша": {"aliases": ["Маша", "Машенька"], "gender": "f"},  # 66 replicas
    "Вася": {"aliases": ["Вася", "Васенька"], "gender": "m"},  # 65 replicas
    "Зоя": {"aliases": ["Зоя"], "gender": "f"},  # 24 replicas
    "Григорий": {"aliases": ["Григорий", "Григорий Саввич", "Гриша", "Гришка"], "gender": "m"},  # 23 replicas
    "Тимур Ильич": {"aliases": ["Тимур Ильич", "Тимур"], "gender": "m"},  # 18 replicas
    "Бабушка": {"aliases": ["бабушка"], "gender": "f"},  # 14 replicas
    "Степан": {"aliases": ["Степан", "Степан Петрович"], "gender": "m"},  # 5 replicas
    "Анна Петровна": {"aliases": ["Анна Петровна"], "gender": "f"},  # 0 replicas
    "Мария": {"aliases": ["Мария"], "gender": "f"},  # 0 replicas
}
# checksum: 3bfe01fdcac8533a
