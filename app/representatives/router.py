"""HTTP routes of the representatives domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
