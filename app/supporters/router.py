"""HTTP routes of the supporters domain (thin: parse, call the service, answer)."""

from fastapi import APIRouter

router = APIRouter()
