"""HTTP routes of the admin domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
