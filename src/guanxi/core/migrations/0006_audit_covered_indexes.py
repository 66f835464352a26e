"""The audit table's own indexes of actor and content type go: the composite indexes audit_actor and
audit_object start with the same columns. Only the indexes are dropped: altering the fields would make
SQLite copy the whole audit table (millions of rows on a big installation)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COVERED = (["actor_id"], ["content_type_id"])


def drop_covered_indexes(apps, schema_editor):
    model = apps.get_model("core", "AuditEvent")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] in COVERED:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    model = apps.get_model("core", "AuditEvent")
    for field in ("actor", "content_type"):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field)]))


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0005_job'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_covered_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='actor',
                    field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='content_type',
                    field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            to='contenttypes.contenttype'),
                ),
            ],
        ),
    ]
