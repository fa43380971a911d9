"""HTTP routes of the reports domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
