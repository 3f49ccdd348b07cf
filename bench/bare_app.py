"""The bare reference of every benchmark: a FastAPI app that imports FastAPI alone.

Nothing of the project is imported here (nor by ``bench/__init__.py``), so that its start-up time and
memory are a bare FastAPI app's, not the sandbox's shared code's: start with
``uvicorn bench.bare_app:app``.
"""

from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/small")
async def small() -> dict[str, object]:
    return {"status": "ok", "n": 1}


@app.post("/small")
async def small_post(request: Request) -> dict[str, object]:
    """The same answer to a POST whose body is read: the floor of a JSON operation on this machine."""
    return {"status": "ok", "n": len(await request.body())}
