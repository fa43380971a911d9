"""HTTP routes of the organisers domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
