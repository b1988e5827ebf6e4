"""Controlled vocabularies of the dataset; README.md documents each term."""

SECTIONS = (
    "Articles",
    "Blog Posts",
    "Books & E-Books",
    "Medical Journals & Journal Articles",
    "Videos",
    "Podcasts",
    "Websites",
    "UVM and Larner Resources",
)

SECTION_TYPES = {
    "Articles": "article",
    "Blog Posts": "blog-post",
    "Books & E-Books": "book",
    "Medical Journals & Journal Articles": "journal-article",
    "Videos": "video",
    "Podcasts": "podcast",
    "Websites": "website",
    "UVM and Larner Resources": "campus-resource",
}

TYPES = (
    "article",
    "blog",
    "blog-post",
    "book",
    "journal",
    "journal-article",
    "video",
    "webinar",
    "podcast",
    "website",
    "collection",
    "campus-resource",
)

TAGS = (
    "mentoring-relationships",
    "mentee-skills",
    "mentor-development",
    "career-planning",
    "specialty-choice",
    "diversity-equity-inclusion",
    "anti-racism",
    "underrepresented-in-medicine",
    "women-in-medicine",
    "first-generation",
    "professional-identity",
    "peer-mentoring",
    "wellness",
    "leadership",
    "research",
    "writing",
    "medical-education",
    "community-resources",
)

AUDIENCES = ("students", "residents", "fellows", "faculty", "mentors", "staff", "educators")

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
