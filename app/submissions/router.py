"""HTTP routes of the submissions domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
