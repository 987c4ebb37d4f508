# One image for every service and the read API; the command chooses which.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY emulation ./emulation
COPY scenario ./scenario
RUN pip install --no-cache-dir -e .
ENV EMULATION_DATA_DIR=/data
ENTRYPOINT ["emulation"]
