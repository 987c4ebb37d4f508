"""Response models of the read API, one module per service whose views the routes read (as `routes/`).

Every route declares one, so `/openapi.json` names every field a client receives. A model drops what it does
not declare: each view's rows are declared field by field (tests/unit/test_read_api_bodies.py checks every
route's body against its views' own rows). Where a row carries an event's own fields (a unit's history, a
notice's delivery records), the model allows them (`extra="allow"`) and names the fields every such row has.
"""
