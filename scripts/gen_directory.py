#!/usr/bin/python3
"""Generates a deterministic staff-directory CSV for `cartable directory import` benchmarks.

usage: scripts/gen_directory.py [--rows 50000] [--numen-ratio 0.1] [--seed 1] > staff.csv

French names with accents, compound names and apostrophes (so homonyms are frequent), the six
departments of the academy, about 1,000 establishments, a NUMEN for the given share of rows.
"""
import argparse
import random
import sys

PRENOMS = ["Hélène", "Jean", "Julie", "Jean-Pierre", "Aïssata", "Élodie", "François", "Anaïs",
           "Léa", "Chloé", "Noémie", "Jérôme", "Stéphane", "Cécile", "Benoît", "Gaëlle", "Loïc",
           "Marie-Thérèse", "Zoé", "Maël", "Inès", "Raphaël", "Agnès", "Thierry", "Sophie",
           "Nicolas", "Isabelle", "Paul", "Camille", "Lucas", "Emma", "Hugo", "Manon", "Louis",
           "Sarah", "Thomas", "Pauline", "Antoine", "Mathilde", "Céline"]
NOMS = ["Martin", "Bernard", "Dubois", "Le Gall-Dubois", "N'Diaye", "Lefèvre", "Moreau",
        "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller",
        "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier",
        "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin",
        "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
        "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
        "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier",
        "Arnaud", "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin",
        "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas",
        "Lacroix", "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc",
        "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy",
        "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis",
        "Deschamps", "D'Alembert", "De La Tour", "Saint-Just", "Le Bihan", "Lê", "Ngô"]
FONCTIONS = ["Professeur des écoles", "Professeure de lettres", "Professeur de mathématiques",
             "CPE", "Principal", "Principale adjointe", "Proviseur", "Secrétaire",
             "Infirmière", "Documentaliste", "AESH", "Gestionnaire"]
DEPTS = ["18", "28", "36", "37", "41", "45"]
KINDS = ["École élémentaire", "École maternelle", "Collège", "Lycée", "Lycée professionnel"]
PATRONS = ["Jean Zay", "Descartes", "Jules Ferry", "Victor Hugo", "George Sand", "Balzac",
           "Rabelais", "Ronsard", "Marguerite de Navarre", "Jacques-Cœur", "Léonard de Vinci",
           "Paul-Louis Courier", "Alain-Fournier", "Charles Péguy", "Condorcet"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--numen-ratio", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    etabs = []
    for i in range(1000):
        dept = DEPTS[i % len(DEPTS)]
        uai = "%s%05d%s" % ("0" + dept, i, "ABCDEFGHJKLMNPRSTUVWXYZ"[i % 23])
        name = "%s %s" % (rnd.choice(KINDS), rnd.choice(PATRONS))
        if i % 7 == 0:
            name += ", site %d; annexe" % (i % 5)  # a comma and a semicolon to quote
        etabs.append((name, uai, dept))
    out = sys.stdout
    name_keys = set()
    out.write("nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n")
    for row in range(args.rows):
        nom, prenom = rnd.choice(NOMS), rnd.choice(PRENOMS)
        etab, uai, dept = etabs[rnd.randrange(len(etabs))]
        numen = ""
        if rnd.random() < args.numen_ratio:
            numen = "%02d%s%09d" % (row % 100, "ABCDEFGHIJ"[row % 10] + "E", row)
        email = ""
        if row % 3 == 0:
            email = "agent%06d@ac-orleans-tours.fr" % row
        if not numen and not email:
            # Keyed by names + UAI: a second homonym in the same establishment would be a
            # duplicate key (the import refuses it), so give that one an address.
            if (nom, prenom, uai) in name_keys:
                email = "agent%06d@ac-orleans-tours.fr" % row
            name_keys.add((nom, prenom, uai))
        tel = "02 %02d %02d %02d %02d" % (int(dept) % 100, rnd.randrange(100), rnd.randrange(100),
                                           rnd.randrange(100))

        def q(s):
            return '"' + s.replace('"', '""') + '"' if (";" in s or '"' in s) else s
        out.write(";".join([q(nom), q(prenom), email, q(rnd.choice(FONCTIONS)), q(etab), uai,
                            dept, tel, numen]) + "\n")


if __name__ == "__main__":
    main()
