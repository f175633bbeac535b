# The news question-answering bot. Build:  docker build -t newsqa-bot .
# Run:    docker run -e DISCORD_TOKEN=... newsqa-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py \
    && pip install . \
    && pip uninstall -y newsqa-bot \
    && rm -rf bot build

# Then the package itself, the bundled corpus and the default configuration.
COPY bot/ bot/
RUN pip install --no-deps . && rm -rf build
COPY corpus/ corpus/
COPY config/ config/

RUN useradd --create-home --uid 10001 newsqa && chown -R newsqa /app
USER newsqa

# Settings are read relative to /app: config/bot.toml, then .env, then the environment.
# Mount another corpus with:  -v /path/to/articles:/app/corpus:ro
CMD ["python", "-m", "bot", "run"]
