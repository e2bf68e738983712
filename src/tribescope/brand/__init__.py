"""Brands: profiles, organic evangelists, ambassadors from the brand's own community, fit and safety."""

from tribescope.brand._ambassadors import ambassadors, brand_accounts
from tribescope.brand._evangelists import evangelists
from tribescope.brand._fit import CONTENT_WEIGHT, brand_document, brand_fit
from tribescope.brand._profiles import (
    Brand,
    BrandError,
    add_brand,
    brand_matcher,
    ensure_tables,
    get_brand,
    list_brands,
)
from tribescope.brand._safety import SAFETY_CATEGORIES, TOXIC_SHARE_FLAG, TOXIC_WORDS, safety_flags

__all__ = [
    "CONTENT_WEIGHT",
    "SAFETY_CATEGORIES",
    "TOXIC_SHARE_FLAG",
    "TOXIC_WORDS",
    "Brand",
    "BrandError",
    "add_brand",
    "ambassadors",
    "brand_accounts",
    "brand_document",
    "brand_fit",
    "brand_matcher",
    "ensure_tables",
    "evangelists",
    "get_brand",
    "list_brands",
    "safety_flags",
]
