"""The WordNet is-a graph and the paper's man-made / natural rule (supplement C).

Yosinski et al. 2014, supplement C: a class is *man-made* when it descends from artifact
(``n00021939``) and *natural* when it descends from organism (``n00004475``) in ImageNet's WordNet
is-a graph (the two subtrees are disjoint for the 1000 ILSVRC2012 classes: 522 and 410 classes).
The 68 classes under neither were placed by hand; the two lists below copy the supplement's, in
its order. With them the 1000 ILSVRC2012 classes split 551 man-made / 449 natural.

The graph comes from an ``is_a`` file, one ``parent child`` wnid pair per line, as ImageNet
publishes it (``wordnet.is_a.txt``). The hierarchy in the ImageNet devkit's ``meta.mat`` is not
used: it is a tree over the 1860 ILSVRC synsets, not WordNet's graph the paper's rule was applied to.
"""

import collections
import pathlib
import re

from . import text_files
from .dataset import DatasetError
from .inputs import quoted

ARTIFACT = "n00021939"
ORGANISM = "n00004475"
MAN_MADE = "man-made"
NATURAL = "natural"
WNID = re.compile(r"n\d{8}")

# Supplement C, "Classes manually placed into the man-made category" (29).
HAND_PLACED_MAN_MADE = (
    "n07697537",  # hotdog, hot dog, red hot
    "n07860988",  # dough
    "n07875152",  # potpie
    "n07583066",  # guacamole
    "n07892512",  # red wine
    "n07614500",  # ice cream, icecream
    "n09229709",  # bubble
    "n07831146",  # carbonara
    "n07565083",  # menu
    "n07871810",  # meat loaf, meatloaf
    "n07693725",  # bagel, beigel
    "n07920052",  # espresso
    "n07590611",  # hot pot, hotpot
    "n07873807",  # pizza, pizza pie
    "n07579787",  # plate
    "n06874185",  # traffic light, traffic signal, stoplight
    "n07836838",  # chocolate sauce, chocolate syrup
    "n15075141",  # toilet tissue, toilet paper, bathroom tissue
    "n07613480",  # trifle
    "n07880968",  # burrito
    "n06794110",  # street sign
    "n07711569",  # mashed potato
    "n07932039",  # eggnog
    "n07695742",  # pretzel
    "n07684084",  # French loaf
    "n07697313",  # cheeseburger
    "n07615774",  # ice lolly, lolly, lollipop, popsicle
    "n07584110",  # consomme
    "n07930864",  # cup
)

# Supplement C, "Classes manually placed into the natural category" (39).
HAND_PLACED_NATURAL = (
    "n13133613",  # ear, spike, capitulum
    "n07745940",  # strawberry
    "n07714571",  # head cabbage
    "n09428293",  # seashore, coast, seacoast, sea-coast
    "n07753113",  # fig
    "n07753275",  # pineapple, ananas
    "n07730033",  # cardoon
    "n07749582",  # lemon
    "n07742313",  # Granny Smith
    "n12768682",  # buckeye, horse chestnut, conker
    "n07734744",  # mushroom
    "n09246464",  # cliff, drop, drop-off
    "n11879895",  # rapeseed
    "n07718472",  # cucumber, cuke
    "n09468604",  # valley, vale
    "n07802026",  # hay
    "n09288635",  # geyser
    "n07720875",  # bell pepper
    "n07760859",  # custard apple
    "n07716358",  # zucchini, courgette
    "n09332890",  # lakeside, lakeshore
    "n09193705",  # alp
    "n09399592",  # promontory, headland, head, foreland
    "n07717410",  # acorn squash
    "n07717556",  # butternut squash
    "n07714990",  # broccoli
    "n09256479",  # coral reef
    "n09472597",  # volcano
    "n07747607",  # orange
    "n07716906",  # spaghetti squash
    "n12620546",  # hip, rose hip, rosehip
    "n07768694",  # pomegranate
    "n12267677",  # acorn
    "n12144580",  # corn
    "n07718747",  # artichoke, globe artichoke
    "n07753592",  # banana
    "n09421951",  # sandbar, sand bar
    "n07715103",  # cauliflower
    "n07754684",  # jackfruit, jak, jack
)


def read_is_a(path):
    """The is-a graph of an ``is_a`` file (``parent child`` per line) as {parent: [children]}.

    Blank lines and lines starting with ``#`` are ignored; any other line that is not two
    wnids raises ``ValueError`` naming the file and line number; a file that is not UTF-8, or that
    cannot be read, is :func:`.text_files.read_text`'s ``DatasetError``.
    """
    children = collections.defaultdict(list)
    path = pathlib.Path(path)
    for number, line in enumerate(text_files.read_text(path, "is-a file").splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 2:
            raise ValueError(f"{path}:{number}: expected 'parent child', got {line.strip()!r}")
        parent, child = fields
        children[parent].append(child)
    return dict(children)


def descendants(children, root):
    """Every node reachable from ``root`` along parent → child edges (``root`` included)."""
    seen = {root}
    frontier = [root]
    while frontier:
        node = frontier.pop()
        for child in children.get(node, ()):
            if child not in seen:
                seen.add(child)
                frontier.append(child)
    return seen


def families(wnids, children):
    """The paper's family ("man-made" or "natural") of each wnid, as a list in ``wnids``' order.

    Descendants of artifact are man-made, descendants of organism natural, then the 68
    hand-placed classes; a wnid under both roots or under neither (and not hand-placed) raises
    ``ValueError`` listing every such wnid.
    """
    man_made = descendants(children, ARTIFACT)
    natural = descendants(children, ORGANISM)
    hand_man_made, hand_natural = set(HAND_PLACED_MAN_MADE), set(HAND_PLACED_NATURAL)
    result, ambiguous, unplaced = [], [], []
    for wnid in wnids:
        in_man_made = wnid in man_made or wnid in hand_man_made
        in_natural = wnid in natural or wnid in hand_natural
        if in_man_made and in_natural:
            ambiguous.append(wnid)
        elif not (in_man_made or in_natural):
            unplaced.append(wnid)
        result.append(MAN_MADE if in_man_made else NATURAL)
    if ambiguous:
        raise ValueError(f"wordnet: classes under both artifact and organism: {' '.join(ambiguous)}")
    if unplaced:
        one = len(unplaced) == 1
        raise ValueError(
            f"wordnet: {len(unplaced)} class{' descends' if one else 'es descend'} from neither artifact ({ARTIFACT}) "
            f"nor organism ({ORGANISM}) and {'is' if one else 'are'} not among the paper's 68 hand-placed classes: "
            f"{' '.join(unplaced)}"
        )
    return result


def families_from_file(wnids, is_a):
    """:func:`families` of ``wnids`` under the graph of the is-a file ``is_a``.

    ``ValueError`` (a usage error) when some names are not WordNet ids such as ``n01440764``;
    :class:`~.dataset.DatasetError` naming ``is_a`` when the file is malformed, does not place
    every class, or places them all in one family (no natural split: a families file is refused so too)."""
    not_wnids = [name for name in wnids if not WNID.fullmatch(str(name))]
    if not_wnids:
        shown = quoted(not_wnids)  # quoted: 'plain class 1 ', with its trailing space, is told from the next
        raise ValueError(f"--is-a needs WordNet ids (like n01440764) as class names, and {len(not_wnids)} of the "
                         f"{len(wnids)} are not: {shown}. Give each class's family in a --families file instead")
    try:
        graph = read_is_a(is_a)
    except DatasetError:  # not UTF-8, or unreadable (exit code 74): said so already
        raise
    except ValueError as error:  # a line that is not two wnids, named with its number
        raise DatasetError(f"{error}: an is-a file holds one 'parent child' pair of wnids a line") from error
    try:
        placed = families(wnids, graph)
    except ValueError as error:
        raise DatasetError(f"{is_a}: {error}") from error
    if len(set(placed)) == 1:
        raise DatasetError(f"{is_a}: every one of the {len(wnids)} classes is {placed[0]}; the natural split needs "
                           f"{NATURAL} and {MAN_MADE} classes")
    return placed
