"""Name, prénom, commune and country tables of the synthetic population.

Names and prénoms are written as INSi returns traits: upper case, no diacritics, hyphens,
spaces and apostrophes kept. Commune and country codes are real INSEE COG codes to the best of
our knowledge; births in Paris, Lyon and Marseille use the arrondissement codes (751xx, 6938x,
132xx), as civil status records them. Postal codes are each commune's main code.
Every table is a tuple: its order is part of the generator's determinism.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Commune:
    """A French commune: COG code, label, main postal code, and a drawing weight (1-4)."""

    cog: str
    label: str
    postal_code: str
    weight: int

    @property
    def department(self) -> str:
        """Department code: 3 digits overseas (97x), else the first 2 characters."""
        return self.cog[:3] if self.cog.startswith("97") else self.cog[:2]


@dataclass(frozen=True, slots=True)
class Country:
    """A country of birth abroad: its COG code (99 + 3-digit INSEE country code) and label."""

    cog: str
    label: str


def _split(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


NOMS: Final[tuple[str, ...]] = _split(
    """
    MARTIN, BERNARD, THOMAS, PETIT, ROBERT, RICHARD, DURAND, DUBOIS, MOREAU, LAURENT, SIMON,
    MICHEL, LEFEBVRE, LEROY, ROUX, DAVID, BERTRAND, MOREL, FOURNIER, GIRARD, BONNET, DUPONT,
    LAMBERT, FONTAINE, ROUSSEAU, VINCENT, MULLER, LEFEVRE, FAURE, ANDRE, MERCIER, BLANC, GUERIN,
    BOYER, GARNIER, CHEVALIER, FRANCOIS, LEGRAND, GAUTHIER, GARCIA, PERRIN, ROBIN, CLEMENT,
    MORIN, NICOLAS, HENRY, ROUSSEL, MATHIEU, GAUTIER, MASSON, MARCHAND, DUVAL, DENIS, DUMONT,
    MARIE, LEMAIRE, NOEL, MEYER, DUFOUR, MEUNIER, BRUN, BLANCHARD, GIRAUD, JOLY, RIVIERE, LUCAS,
    BRUNET, GAILLARD, BARBIER, ARNAUD, MARTINEZ, GERARD, ROCHE, RENARD, SCHMITT, ROY, LEROUX,
    COLIN, VIDAL, CARON, PICARD, ROGER, FABRE, AUBERT, LEMOINE, RENAUD, DUMAS, LACROIX, OLIVIER,
    PHILIPPE, BOURGEOIS, PIERRE, BENOIT, REY, LECLERC, PAYET, ROLLAND, LECLERCQ, GUILLAUME,
    LECOMTE, LOPEZ, JEAN, DUPUY, GUILLOT, HUBERT, BERGER, CARPENTIER, SANCHEZ, DUPUIS, MOULIN,
    LOUIS, DESCHAMPS, HUET, VASSEUR, PEREZ, BOUCHER, FLEURY, ROYER, KLEIN, JACQUET, ADAM, PARIS,
    POIRIER, MARTY, AUBRY, GUYOT, CARRE, CHARLES, RENAULT, CHARPENTIER, MENARD, MAILLARD, BARON,
    BERTIN, BAILLY, HERVE, SCHNEIDER, FERNANDEZ, LE GALL, COLLET, LEGER, BOUVIER, JULIEN,
    PREVOST, MILLET, PERROT, DANIEL, LE ROUX, COUSIN, GERMAIN, BRETON, BESSON, LANGLOIS, REMY,
    LE GOFF, PELLETIER, LEVEQUE, PERRIER, LEBLANC, BARRE, LEBRUN, MARCHAL, WEBER, MALLET, HAMON,
    BOULANGER, JACOB, MONNIER, MICHAUD, RODRIGUEZ, GUICHARD, GILLET, ETIENNE, GRONDIN, POULAIN,
    TESSIER, CHEVALLIER, COLLIN, CHAUVIN, DA SILVA, BOUCHET, GAY, LEMAITRE, BENARD, MARECHAL,
    HUMBERT, REYNAUD, ANTOINE, HOARAU, PERRET, BARTHELEMY, CORDIER, PICHON, LEJEUNE, GILBERT,
    LAMY, DELAUNAY, PASQUIER, CARLIER, LAPORTE, D'ALMEIDA, N'DIAYE, TRAORE, DIALLO, NGUYEN,
    BENALI, HADDAD, SANTORO, ANTONETTI, LUCIANI
    """
)

PRENOMS_M: Final[tuple[str, ...]] = _split(
    """
    JEAN, PIERRE, MICHEL, ANDRE, PHILIPPE, ALAIN, BERNARD, JACQUES, DANIEL, CHRISTIAN, PATRICK,
    NICOLAS, FREDERIC, LAURENT, STEPHANE, DAVID, CHRISTOPHE, ERIC, FRANCOIS, JULIEN, PASCAL,
    SEBASTIEN, THIERRY, OLIVIER, GERARD, THOMAS, ALEXANDRE, ANTOINE, VINCENT, MARC, DOMINIQUE,
    GILLES, DIDIER, YVES, JEAN-PIERRE, JEAN-CLAUDE, JEAN-LUC, JEAN-MARC, JEAN-FRANCOIS,
    JEAN-PAUL, JEAN-MICHEL, ROGER, GEORGES, RENE, LOUIS, PAUL, HENRI, MARCEL, CLAUDE, SERGE,
    JOEL, GUY, FRANCK, BRUNO, ROBERT, MAXIME, GUILLAUME, KEVIN, ROMAIN, ANTHONY, CEDRIC, MATHIEU,
    JEROME, FABRICE, LUDOVIC, YANNICK, LUCAS, HUGO, LEO, GABRIEL, RAPHAEL, ARTHUR, LOUIS-MARIE,
    JULES, ADAM, MAEL, NATHAN, ETHAN, TOM, NOAH, SACHA, MATHIS, THEO, ENZO, CLEMENT, BAPTISTE,
    VICTOR, ALEXIS, QUENTIN, BENJAMIN, ADRIEN, ARNAUD, DAMIEN, LOIC, XAVIER, RAYMOND, ROLAND,
    EMILE, AUGUSTIN, TIMOTHEE, VALENTIN, SIMON, SAMUEL, ELIOTT, AXEL, MOHAMED, KARIM, MEHDI,
    YOUSSEF, OMAR, IBRAHIMA, MAMADOU, MATTEO, LORENZO, ANGE, JEAN-BAPTISTE, PAUL-ANTOINE,
    FLORIAN, TRISTAN, MARTIN, ALBAN, GASPARD
    """
)

PRENOMS_F: Final[tuple[str, ...]] = _split(
    """
    MARIE, NATHALIE, ISABELLE, SYLVIE, CATHERINE, FRANCOISE, MARTINE, CHRISTINE, MONIQUE,
    VALERIE, SANDRINE, NICOLE, STEPHANIE, SOPHIE, CELINE, CHANTAL, PATRICIA, NADINE, ANNE,
    VERONIQUE, AURELIE, JULIE, CAROLINE, CORINNE, EMILIE, JACQUELINE, SANDRA, LAURENCE, ELODIE,
    DOMINIQUE, CHRISTIANE, BRIGITTE, SUZANNE, DANIELLE, MARIE-CLAIRE, MARIE-FRANCE,
    MARIE-THERESE, MARIE-LOUISE, ANNE-MARIE, ANNE-SOPHIE, JEANNE, MADELEINE, HELENE, COLETTE,
    SIMONE, GENEVIEVE, DENISE, ODETTE, YVETTE, JOSIANE, EVELYNE, MICHELE, FLORENCE, AGNES,
    KARINE, VIRGINIE, MELANIE, AUDREY, LAETITIA, CAMILLE, MANON, LEA, CHLOE, EMMA, INES, JADE,
    LOUISE, ALICE, LINA, ROSE, ANNA, AMBRE, MIA, ZOE, LEONIE, JULIETTE, LUCIE, CLARA, MARGAUX,
    PAULINE, MATHILDE, CHARLOTTE, LAURA, SARAH, MARINE, OCEANE, ELISE, AGATHE, CONSTANCE,
    CLEMENCE, ELEONORE, GABRIELLE, VICTOIRE, CAPUCINE, ADELE, LOUNA, NINA, EVA, LOLA, ROMANE,
    AMANDINE, JUSTINE, MORGANE, ESTELLE, GAELLE, SOLENE, FATIMA, AICHA, AMINATA, MARIAM, YASMINE,
    SOFIA, GIULIA, CHIARA, MARIE-ANGE, ANTOINETTE, PAULETTE, RENEE, BERNADETTE, ARLETTE,
    HUGUETTE, LILOU
    """
)

STREETS: Final[tuple[str, ...]] = _split(
    """
    rue de la République, rue Victor Hugo, avenue Jean Jaurès, rue Pasteur, boulevard Gambetta,
    rue du Général de Gaulle, place de l'Église, rue des Écoles, rue de la Gare,
    allée des Tilleuls, rue des Lilas, chemin des Vignes, avenue de la Libération,
    rue Jules Ferry, rue du Moulin, impasse des Acacias, rue Émile Zola, boulevard Voltaire,
    rue de la Paix, rue du Stade, rue des Jardins, avenue Foch, rue Anatole France,
    rue de Verdun, quai de la Loire, rue du Château, rue Saint-Michel, route de la Mer,
    rue des Peupliers, cours Lafayette
    """
)

COMMUNES: Final[tuple[Commune, ...]] = (
    Commune("75105", "Paris 5e Arrondissement", "75005", 2),
    Commune("75111", "Paris 11e Arrondissement", "75011", 3),
    Commune("75112", "Paris 12e Arrondissement", "75012", 3),
    Commune("75114", "Paris 14e Arrondissement", "75014", 3),
    Commune("75115", "Paris 15e Arrondissement", "75015", 4),
    Commune("75118", "Paris 18e Arrondissement", "75018", 4),
    Commune("75120", "Paris 20e Arrondissement", "75020", 3),
    Commune("69383", "Lyon 3e Arrondissement", "69003", 3),
    Commune("69387", "Lyon 7e Arrondissement", "69007", 3),
    Commune("69388", "Lyon 8e Arrondissement", "69008", 2),
    Commune("13205", "Marseille 5e Arrondissement", "13005", 2),
    Commune("13208", "Marseille 8e Arrondissement", "13008", 3),
    Commune("13213", "Marseille 13e Arrondissement", "13013", 3),
    Commune("31555", "Toulouse", "31000", 4),
    Commune("06088", "Nice", "06000", 4),
    Commune("44109", "Nantes", "44000", 4),
    Commune("67482", "Strasbourg", "67000", 4),
    Commune("34172", "Montpellier", "34000", 4),
    Commune("33063", "Bordeaux", "33000", 4),
    Commune("59350", "Lille", "59000", 4),
    Commune("35238", "Rennes", "35000", 3),
    Commune("51454", "Reims", "51100", 3),
    Commune("76351", "Le Havre", "76600", 3),
    Commune("42218", "Saint-Étienne", "42000", 3),
    Commune("83137", "Toulon", "83000", 3),
    Commune("38185", "Grenoble", "38000", 3),
    Commune("21231", "Dijon", "21000", 3),
    Commune("49007", "Angers", "49000", 3),
    Commune("30189", "Nîmes", "30000", 3),
    Commune("63113", "Clermont-Ferrand", "63000", 3),
    Commune("72181", "Le Mans", "72000", 3),
    Commune("13001", "Aix-en-Provence", "13100", 3),
    Commune("29019", "Brest", "29200", 3),
    Commune("37261", "Tours", "37000", 3),
    Commune("80021", "Amiens", "80000", 3),
    Commune("87085", "Limoges", "87000", 3),
    Commune("74010", "Annecy", "74000", 2),
    Commune("66136", "Perpignan", "66000", 3),
    Commune("57463", "Metz", "57000", 3),
    Commune("25056", "Besançon", "25000", 3),
    Commune("45234", "Orléans", "45000", 3),
    Commune("76540", "Rouen", "76000", 3),
    Commune("14118", "Caen", "14000", 3),
    Commune("54395", "Nancy", "54000", 3),
    Commune("68224", "Mulhouse", "68100", 3),
    Commune("86194", "Poitiers", "86000", 2),
    Commune("64445", "Pau", "64000", 2),
    Commune("17300", "La Rochelle", "17000", 2),
    Commune("92012", "Boulogne-Billancourt", "92100", 3),
    Commune("93066", "Saint-Denis", "93200", 3),
    Commune("94028", "Créteil", "94000", 3),
    Commune("92050", "Nanterre", "92000", 2),
    Commune("78646", "Versailles", "78000", 2),
    Commune("93048", "Montreuil", "93100", 3),
    Commune("94081", "Vitry-sur-Seine", "94400", 2),
    Commune("59512", "Roubaix", "59100", 2),
    Commune("59599", "Tourcoing", "59200", 2),
    Commune("59183", "Dunkerque", "59140", 2),
    Commune("62041", "Arras", "62000", 1),
    Commune("62193", "Calais", "62100", 2),
    Commune("06029", "Cannes", "06400", 2),
    Commune("06004", "Antibes", "06600", 2),
    Commune("84007", "Avignon", "84000", 2),
    Commune("64102", "Bayonne", "64100", 2),
    Commune("56260", "Vannes", "56000", 2),
    Commune("56121", "Lorient", "56100", 2),
    Commune("22278", "Saint-Brieuc", "22000", 1),
    Commune("29232", "Quimper", "29000", 2),
    Commune("18033", "Bourges", "18000", 2),
    Commune("41018", "Blois", "41000", 1),
    Commune("10387", "Troyes", "10000", 2),
    Commune("60057", "Beauvais", "60000", 2),
    Commune("03185", "Montluçon", "03100", 1),
    Commune("15014", "Aurillac", "15000", 1),
    Commune("19031", "Brive-la-Gaillarde", "19100", 1),
    Commune("24322", "Périgueux", "24000", 1),
    Commune("47001", "Agen", "47000", 1),
    Commune("65440", "Tarbes", "65000", 1),
    Commune("81004", "Albi", "81000", 1),
    Commune("82121", "Montauban", "82000", 2),
    Commune("12202", "Rodez", "12000", 1),
    Commune("11069", "Carcassonne", "11000", 1),
    Commune("34032", "Béziers", "34500", 2),
    Commune("26362", "Valence", "26000", 2),
    Commune("73065", "Chambéry", "73000", 2),
    Commune("01053", "Bourg-en-Bresse", "01000", 1),
    Commune("71270", "Mâcon", "71000", 1),
    Commune("58194", "Nevers", "58000", 1),
    Commune("89024", "Auxerre", "89000", 1),
    Commune("88160", "Épinal", "88000", 1),
    Commune("90010", "Belfort", "90000", 1),
    Commune("53130", "Laval", "53000", 1),
    Commune("50129", "Cherbourg-en-Cotentin", "50100", 1),
    Commune("27229", "Évreux", "27000", 1),
    Commune("28085", "Chartres", "28000", 1),
    Commune("16015", "Angoulême", "16000", 1),
    Commune("79191", "Niort", "79000", 1),
    Commune("85191", "La Roche-sur-Yon", "85000", 1),
    Commune("43157", "Le Puy-en-Velay", "43000", 1),
    Commune("2A004", "Ajaccio", "20000", 2),
    Commune("2A247", "Porto-Vecchio", "20137", 1),
    Commune("2A041", "Bonifacio", "20169", 1),
    Commune("2B033", "Bastia", "20200", 2),
    Commune("2B096", "Corte", "20250", 1),
    Commune("2B050", "Calvi", "20260", 1),
    Commune("97411", "Saint-Denis", "97400", 2),
    Commune("97416", "Saint-Pierre", "97410", 1),
    Commune("97209", "Fort-de-France", "97200", 2),
    Commune("97120", "Pointe-à-Pitre", "97110", 1),
    Commune("97101", "Les Abymes", "97139", 1),
    Commune("97302", "Cayenne", "97300", 1),
    Commune("97611", "Mamoudzou", "97600", 1),
)

COUNTRIES: Final[tuple[Country, ...]] = (
    Country("99109", "Allemagne"),
    Country("99114", "Roumanie"),
    Country("99122", "Pologne"),
    Country("99126", "Grèce"),
    Country("99127", "Italie"),
    Country("99131", "Belgique"),
    Country("99132", "Royaume-Uni"),
    Country("99134", "Espagne"),
    Country("99135", "Pays-Bas"),
    Country("99137", "Luxembourg"),
    Country("99139", "Portugal"),
    Country("99140", "Suisse"),
    Country("99208", "Turquie"),
    Country("99216", "Chine"),
    Country("99341", "Sénégal"),
    Country("99350", "Maroc"),
    Country("99351", "Tunisie"),
    Country("99352", "Algérie"),
    Country("99401", "Canada"),
    Country("99404", "États-Unis"),
)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII form of a name for e-mail addresses and domains: ``Saint-Étienne`` ->
    ``saint-etienne``, ``D'ALMEIDA`` -> ``d-almeida``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join(_NON_ALNUM.split(folded.lower())).strip("-")
