"""The reference point for webhook_bench.py: a bare FastAPI endpoint that reads the body and answers 200."""
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/callback")
async def callback(request: Request) -> Response:
    await request.body()
    return Response("OK")


@app.get("/healthz")
async def healthz() -> Response:
    return Response("OK")
