"""HTTP routes of the delivery domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
