"""HTTP routes of the campaigns domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
