# The news question-answering bot. Build:  docker build -t newsqa-bot .
# Run:    docker run -e DISCORD_TOKEN=... newsqa-bot

# Wheels of the package and its dependencies, built where a C compiler is at hand: the
# package's search kernel (bot/_kernel.pyx) is compiled here, and the image below
# needs no compiler.
FROM python:3.11-slim AS wheels

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot/ bot/
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY --from=wheels /wheels /wheels
RUN pip install --no-index /wheels/*.whl && rm -rf /wheels
# Fails the build if the kernel was not compiled (bot.bm25 would fall back to numpy).
RUN python -c "import bot._kernel"

# The bundled corpus and the default configuration.
COPY corpus/ corpus/
COPY config/ config/

RUN useradd --create-home --uid 10001 newsqa && chown -R newsqa /app
USER newsqa

# Settings are read relative to /app: config/bot.toml, then .env, then the environment.
# Mount another corpus with:  -v /path/to/articles:/app/corpus:ro
CMD ["python", "-m", "bot", "run"]
