# The news question-answering bot. Build:  docker build -t newsqa-bot .
# Run:    docker run -e DISCORD_TOKEN=... newsqa-bot
# Keep answers and votes (/app/data) and the analysed corpus (/app/.cache) in named volumes:
#         docker run -e DISCORD_TOKEN=... -v newsqa-data:/app/data \
#                    -v newsqa-cache:/app/.cache newsqa-bot
# Or:     docker compose up -d   (docker-compose.yml: these volumes, the corpus read-only, .env)

# Wheels of the package and its dependencies, built where a C compiler is at hand: the
# package's search kernel, word scanner, folder listing and field joiner
# (bot/search/_kernel.pyx, _words.pyx, bot/corpus/_status.pyx, _pieces.pyx) are compiled
# here, and the image below needs no compiler.
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
# Fails the build if the kernels were not compiled (bot.search.select would fall back to
# numpy, bot.search.analysis to a regular expression, a listing to os.scandir, a table to
# joining in Python).
RUN python -c "import bot.search._kernel, bot.search._words, bot.corpus._status, bot.corpus._pieces"

# The bundled corpus and the default configuration.
COPY corpus/ corpus/
COPY config/ config/

# The bot writes only data/ (SQLite: answers shown and votes) and .cache/ (the analysed
# corpus). Both exist in the image, owned by the bot's user, because Docker gives an empty
# named volume the owner of the folder it is mounted on: without them, a volume at /app/data
# is root's and the bot cannot create its database. The code, corpus and config stay root's.
# No VOLUME: it would leave two anonymous volumes behind every `docker run ... ask`.
RUN useradd --create-home --uid 10001 newsqa \
    && install -d -o newsqa -g newsqa /app/data /app/.cache
USER newsqa

# Settings are read relative to /app: config/bot.toml, then .env, then the environment.
# Mount another corpus with:  -v /path/to/articles:/app/corpus:ro
# No HEALTHCHECK: the bot serves no port, and Docker does not restart an unhealthy
# container (only one that exits: restart: unless-stopped). The bot exits on a fatal error
# and discord.py reconnects on its own; `python -m bot check` would load the whole corpus
# again every interval and fails on any skipped file, which is not ill health.
CMD ["python", "-m", "bot", "run"]
