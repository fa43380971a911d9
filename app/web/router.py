"""HTTP routes of the web domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
