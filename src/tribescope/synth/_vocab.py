"""Word lists for the synthetic world: niches with their own vocabulary, names, brands.

Everything here is invented for the generator (no real usernames or comment texts).
Each niche has hashtags, caption/title words, comment keywords and products, so a topic model
can find the niches from captions *and* comments.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIRST_NAMES", "NICHES", "WORDS", "Niche"]


@dataclass(frozen=True)
class Niche:
    name: str
    hashtags: tuple[str, ...]
    words: tuple[str, ...]        # caption / title vocabulary
    keywords: tuple[str, ...]     # things commenters talk about
    products: tuple[str, ...]     # things people buy
    verbs: tuple[str, ...]        # what people do ("I tried ... ")
    brands: tuple[str, ...]       # invented brands that sponsor creators in this niche
    handle_words: tuple[str, ...]  # words creators put in their handles
    titles: tuple[str, ...]       # title / caption templates with {k} (a keyword) and {w} (a word)


NICHES: tuple[Niche, ...] = (
    Niche(
        "fitness",
        ("fitness", "gym", "workout", "fitfam", "legday", "strengthtraining", "homeworkout", "gains", "hiit", "mobility"),
        ("workout", "squat", "deadlift", "reps", "sets", "protein", "mobility", "cardio", "routine", "strength",
         "hypertrophy", "warmup", "glutes", "core", "kettlebell"),
        ("squat form", "deadlift", "protein shake", "kettlebell swings", "rest days", "progressive overload",
         "hip thrusts", "resistance bands", "pull ups", "creatine"),
        ("resistance bands", "lifting straps", "protein powder", "adjustable dumbbells", "foam roller", "lifting belt"),
        ("did this workout", "tried the split", "added the mobility drills", "followed the program", "hit a new PR"),
        ("Ironleaf Nutrition", "Peakform Gear", "Liftlab Supplements"),
        ("lifts", "fit", "strong", "gains", "coach", "moves"),
        ("Full {k} routine for beginners", "{k}: 5 mistakes I made", "My {w} day, start to finish",
         "Why your {k} stalls (and how to fix it)", "20 minute {w} at home"),
    ),
    Niche(
        "food",
        ("food", "foodie", "recipe", "homecooking", "baking", "easyrecipes", "mealprep", "sourdough", "vegan", "dinner"),
        ("recipe", "dough", "sauce", "oven", "garlic", "butter", "skillet", "bake", "simmer", "crispy", "ferment",
         "pasta", "spices", "marinade", "crust"),
        ("sourdough starter", "the sauce", "cast iron skillet", "garlic butter", "the crust", "meal prep",
         "brown butter", "the marinade", "proofing time", "fresh pasta"),
        ("dutch oven", "chef knife", "stand mixer", "cast iron pan", "spice set", "pizza stone"),
        ("made this tonight", "tried the recipe", "baked this yesterday", "cooked it for my family", "doubled the sauce"),
        ("Saltbox Kitchen", "Emberhearth Cookware", "Grainwise Flour"),
        ("kitchen", "bakes", "cooks", "eats", "chef", "table"),
        ("The only {k} recipe you need", "{k} in 30 minutes", "I tested 3 ways to make {w}",
         "Weeknight {w} with {k}", "Grandma's {w}, updated"),
    ),
    Niche(
        "beauty",
        ("beauty", "skincare", "makeup", "skincareroutine", "glowup", "makeuptutorial", "selfcare", "nails", "spf", "grwm"),
        ("skincare", "serum", "foundation", "blush", "lipstick", "moisturizer", "retinol", "spf", "concealer",
         "eyeliner", "toner", "glow", "routine", "shade", "texture"),
        ("the serum", "retinol", "that foundation shade", "niacinamide", "sunscreen", "the blush", "double cleansing",
         "liquid eyeliner", "lip liner", "the moisturizer"),
        ("vitamin c serum", "cleansing balm", "mineral sunscreen", "blush palette", "brow gel", "setting spray"),
        ("tried the serum", "switched to this routine", "bought the blush", "used the cleanser", "tested the shade"),
        ("Lumera Skin", "Petalcraft Cosmetics", "Dewlab"),
        ("glow", "beauty", "skin", "makeup", "blush", "looks"),
        ("My everyday {w} routine", "{k}: honest review after a month", "Drugstore vs luxury {w}",
         "Get ready with me: {k}", "How I fixed my {w}"),
    ),
    Niche(
        "travel",
        ("travel", "wanderlust", "travelgram", "backpacking", "vanlife", "roadtrip", "solotravel", "hiking", "explore", "itinerary"),
        ("itinerary", "flight", "hostel", "trail", "beach", "passport", "road", "train", "island", "budget",
         "visa", "mountains", "backpack", "hike", "sunset"),
        ("the itinerary", "travel insurance", "that hostel", "the night train", "carry on only", "the trailhead",
         "budget breakdown", "the ferry", "rail pass", "packing list"),
        ("carry on backpack", "packing cubes", "travel adapter", "hiking boots", "rain shell", "water filter"),
        ("booked the trip", "used your itinerary", "did this hike", "followed the route", "stayed at that hostel"),
        ("Wayfare Packs", "Driftline Travel", "Northpass Outdoor"),
        ("travels", "wanders", "roams", "trips", "nomad", "abroad"),
        ("{w} on a budget: full guide", "7 days in the {w}: {k}", "What nobody tells you about {k}",
         "My {w} packing list", "Solo {w} tips"),
    ),
    Niche(
        "gaming",
        ("gaming", "gamer", "twitch", "speedrun", "pcgaming", "indiegames", "esports", "gamingsetup", "rpg", "retrogaming"),
        ("boss", "build", "patch", "speedrun", "loadout", "ranked", "stream", "controller", "quest", "dungeon",
         "strategy", "meta", "level", "mod", "co-op"),
        ("the boss fight", "that build", "the new patch", "ranked grind", "the loadout", "the speedrun route",
         "mods", "the final dungeon", "co-op mode", "frame drops"),
        ("gaming headset", "mechanical keyboard", "capture card", "controller grips", "gaming chair", "mouse pad"),
        ("tried the build", "used this strategy", "beat the boss", "installed the mod", "copied the loadout"),
        ("Pixelforge Gear", "Respawn Energy", "Glitchkey Peripherals"),
        ("plays", "gaming", "games", "pixel", "quest", "arcade"),
        ("{w} guide: beat it first try", "Is {k} broken now?", "Ranking every {w}",
         "The {k} nobody uses", "100 hours of {w}: my verdict"),
    ),
    Niche(
        "tech",
        ("tech", "gadgets", "smartphone", "coding", "setup", "productivity", "homelab", "python", "linux", "review"),
        ("laptop", "battery", "camera", "chip", "benchmark", "setup", "software", "update", "keyboard", "monitor",
         "code", "server", "display", "storage", "firmware"),
        ("battery life", "the benchmark", "the camera test", "thermals", "the update", "that monitor",
         "the homelab", "dev setup", "the firmware", "storage speeds"),
        ("usb-c hub", "mechanical keyboard", "portable ssd", "monitor arm", "noise cancelling headphones", "power bank"),
        ("bought the hub", "tried the setup", "installed the update", "switched to linux", "built the homelab"),
        ("Voltbyte", "Circuitry Labs", "Nimbus Devices"),
        ("tech", "bytes", "builds", "codes", "gadget", "dev"),
        ("{w} review after 3 months", "{k} tested: worth it?", "My {w} setup tour",
         "Fixing {k} the right way", "Budget {w} that beats flagships"),
    ),
    Niche(
        "fashion",
        ("fashion", "ootd", "style", "outfit", "streetstyle", "thrift", "capsulewardrobe", "menswear", "vintage", "lookbook"),
        ("outfit", "denim", "jacket", "sneakers", "thrifted", "tailoring", "fit", "linen", "boots", "layering",
         "wardrobe", "silhouette", "knit", "vintage", "accessories"),
        ("the jacket", "those boots", "the denim", "the fit", "capsule wardrobe", "thrift haul", "the linen shirt",
         "layering", "the sneakers", "the knit"),
        ("leather boots", "linen shirt", "wool coat", "straight leg jeans", "canvas tote", "silver rings"),
        ("bought the jacket", "ordered the boots", "copied the outfit", "thrifted something similar", "tried the layering"),
        ("Threadwell", "Loomhaus", "Corduroy & Co"),
        ("style", "wears", "threads", "fits", "closet", "dressed"),
        ("10 {w} looks from 1 capsule", "How to style {k}", "{w} haul + try on",
         "What I wore this week: {k}", "Thrifting for {w}"),
    ),
    Niche(
        "pets",
        ("pets", "dogsofinstagram", "catsofinstagram", "puppy", "dogtraining", "rescuedog", "petcare", "catlife", "adoptdontshop", "doglife"),
        ("puppy", "training", "leash", "treats", "vet", "kitten", "walk", "crate", "grooming", "rescue",
         "recall", "litter", "toys", "harness", "agility"),
        ("leash training", "the treats", "crate training", "the harness", "recall training", "the vet visit",
         "grooming", "litter box", "puzzle toys", "separation anxiety"),
        ("no pull harness", "lick mat", "puzzle feeder", "grooming brush", "orthopedic dog bed", "cat tree"),
        ("tried the recall game", "bought the harness", "used the lick mat", "started crate training", "did the puzzle toy"),
        ("Pawpath", "Whiskerly", "Goodboy Provisions"),
        ("paws", "pup", "dog", "cat", "tails", "woof"),
        ("Teaching my puppy {k}", "{w} day with the pack", "Vet explains {k}",
         "Our rescue's first {w}", "{k}: what actually worked"),
    ),
    Niche(
        "parenting",
        ("parenting", "momlife", "dadlife", "toddler", "newborn", "motherhood", "parentingtips", "familytime", "baby", "sahm"),
        ("toddler", "nap", "bedtime", "newborn", "feeding", "routine", "stroller", "tantrum", "daycare", "sleep",
         "potty", "snacks", "milestones", "teething", "playtime"),
        ("bedtime routine", "sleep regression", "the stroller", "potty training", "toddler snacks", "nap schedule",
         "teething", "baby led weaning", "the carrier", "screen time"),
        ("baby carrier", "white noise machine", "toddler tower", "silicone bibs", "travel stroller", "sleep sack"),
        ("tried the bedtime routine", "bought the carrier", "did the nap schedule", "used the sleep sack", "started potty training"),
        ("Little Harbor", "Nestling Baby", "Tinytrail"),
        ("mama", "dad", "family", "littles", "parent", "nest"),
        ("Our {w} routine that works", "{k}: what I wish I knew", "Day in the life with a {w}",
         "Honest {k} update", "{w} hacks for tired parents"),
    ),
    Niche(
        "finance",
        ("personalfinance", "investing", "budgeting", "money", "financialfreedom", "savings", "stocks", "fire", "debtfree", "frugal"),
        ("budget", "index", "savings", "debt", "portfolio", "dividend", "retirement", "taxes", "rent", "income",
         "expenses", "etf", "compound", "emergency", "fund"),
        ("the budget sheet", "index funds", "emergency fund", "the debt snowball", "high yield savings",
         "the roth", "dividends", "the 50/30/20 rule", "side income", "tax refund"),
        ("budget planner", "finance course", "budgeting app", "investing book", "cash envelopes", "spreadsheet template"),
        ("started the budget", "opened the account", "paid off my card", "set up the spreadsheet", "tried the snowball"),
        ("Ledgerly", "Coinpath", "Thrifty Vault"),
        ("money", "cents", "wealth", "saves", "invests", "budget"),
        ("How I paid off {k}", "{w} for beginners", "My {w} in 2026",
         "{k}: is it worth it?", "Building an {w} from zero"),
    ),
)

FIRST_NAMES = (
    "maya", "noah", "lena", "omar", "ava", "liam", "zoe", "ethan", "mia", "lucas", "nina", "leo", "sara", "jonas",
    "ella", "mateo", "ivy", "kai", "ruby", "theo", "anya", "felix", "jade", "milo", "isla", "owen", "lea", "hugo",
    "chloe", "ravi", "emma", "diego", "sofia", "ben", "amara", "finn", "lina", "yusuf", "grace", "elias", "hana",
    "tom", "priya", "sam", "clara", "max", "aisha", "jack", "elena", "arjun", "rosa", "luca", "nora", "adam",
    "kira", "paul", "tara", "ali", "julia", "marco", "eva", "niko", "alma", "dan", "ines", "rory", "yara", "tim",
    "vera", "jay", "lisa", "ken", "dana", "seb", "mara", "nils", "ada", "joel", "bea", "cole", "iris", "alex",
    "fatima", "ivan", "june", "kofi", "lola", "raj", "tess", "zane", "gia", "oscar", "pia", "remy", "sol", "uma",
    "wren", "xavi", "yuki", "zara", "abby", "bruno", "cora", "dev", "esme", "fred", "gus", "hari", "ilse",
)

WORDS = (
    "sun", "moon", "blue", "river", "stone", "cloud", "pine", "fox", "wolf", "bear", "lake", "maple", "coffee",
    "vibes", "daily", "life", "world", "north", "south", "wild", "city", "field", "ocean", "star", "rose", "honey",
    "lemon", "mint", "cedar", "sky", "storm", "snow", "ember", "ash", "quiet", "lucky", "happy", "sunny", "misty",
    "rain", "berry", "peach", "olive", "sage", "clay", "dune", "reef", "coral", "birch", "fern", "moss", "tide",
    "echo", "nova", "pixel", "retro", "urban", "rustic", "gold", "silver", "indigo", "scarlet", "velvet", "cotton",
    "paper", "ink", "book", "tea", "chai", "mango", "kiwi", "plum", "fig", "hazel", "willow", "aspen", "juniper",
    "meadow", "harbor", "canyon", "valley", "prairie", "summit", "atlas", "orbit", "comet", "lunar", "solar",
)
