"""`apigen add resource` (issue 16): names and fields it refuses, the safety of `apigen update`
(a committed project, all or nothing), the files it writes (new ones only), and updates of the
project and of the resource afterwards without conflicts.

The generated code's own tests, lint and migrations run in tests/e2e/test_resource.py."""

import importlib.util
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from apigen import generation, resource
from apigen.cli import app
from apigen.errors import UsageError
from apigen.fields import names_of, parse_fields, pluralize
from apigen.git import init_project
from apigen.resource import ResourceError, add_resource, alembic_head, update_resources
from apigen.store import Release
from apigen.update import update_project

from .repositories import commit_all, copy_release, git

# A product with a field of every type (the e2e test adds the same resource).
EVERY_TYPE = [
    "name:str",
    "description:text",
    "stock:int",
    "weight:float",
    "price:decimal",
    "in_stock:bool",
    "released:date",
    "available_from:datetime",
    "contact:email",
    "notes:text?",
]
PRODUCT_FILES = {
    ".copier-answers.resource.product.yml",
    "my_api/alembic/versions/create_products.py",
    "my_api/api/routes/products.py",
    "my_api/resources/products/__init__.py",
    "my_api/resources/products/crud.py",
    "my_api/resources/products/models.py",
    "my_api/resources/products/schemas.py",
    "tests/test_products.py",
}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return copy_release(tmp_path_factory.mktemp("release") / "1.0.0", "1.0.0")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Template stores of the test's own, never the developer's."""
    return tmp_path / "apigen-home" / "templates"


def new_project(tmp_path: Path, release: Release, home: Path, framework: str = "fastapi") -> Path:
    """`apigen new my-api --defaults`, committed."""
    project = generation.generate(
        tmp_path / "my-api",
        {"framework": framework},
        release=release,
        template_store=home,
        defaults=True,
    )
    init_project(project.destination, author=project.answers)
    return project.destination


def status(project: Path) -> list[str]:
    return git(project, "status", "--porcelain", "--untracked-files=all").splitlines()


@pytest.fixture
def project(tmp_path: Path, release: Release, home: Path) -> Path:
    return new_project(tmp_path, release, home)


# Names and fields


@pytest.mark.parametrize(
    ("name", "plural"),
    [("product", "products"), ("category", "categories"), ("box", "boxes"), ("day", "days")],
)
def test_plurals(name: str, plural: str) -> None:
    assert pluralize(name) == plural
    names = names_of(name)
    assert (names.plural, names.answers_file) == (plural, f".copier-answers.resource.{name}.yml")


def test_names_give_a_class_name() -> None:
    assert names_of("order_line").class_name == "OrderLine"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Product", "snake_case"),
        ("order__line", "snake_case"),
        ("2fa", "snake_case"),
        ("class", "Python keyword"),
        ("match", "Python keyword"),
        ("user", "already uses"),
        ("health", "already uses"),
        ("migration", "already uses"),  # its plural is the migrations package
        ("json", "shadow"),
        ("django", "shadow"),
        ("a" * 30, "at most"),
    ],
)
def test_refused_names_say_why(name: str, why: str) -> None:
    with pytest.raises(UsageError, match=why) as refused:
        names_of(name)
    assert "\n" not in str(refused.value)


def test_a_plural_too_long_for_the_migrations_revision_is_refused() -> None:
    assert names_of("warehouse_stock_movement").plural == "warehouse_stock_movements"
    with pytest.raises(UsageError, match="at most 25 characters"):
        names_of("shipping_address_history")  # 24 characters; its plural has 26


def test_a_table_named_by_an_sql_reserved_word_is_refused() -> None:
    with pytest.raises(UsageError, match="SQL reserved word"):
        names_of("person", "order")  # an explicit plural that SQL reserves
    assert names_of("person", "people").plural == "people"


def test_every_type_parses_and_a_question_mark_makes_it_optional() -> None:
    fields = parse_fields([*EVERY_TYPE, "rating:float?"])
    assert [field.type for field in fields][:9] == [
        "str",
        "text",
        "int",
        "float",
        "decimal",
        "bool",
        "date",
        "datetime",
        "email",
    ]
    assert [field.name for field in fields if field.optional] == ["notes", "rating"]


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("price:money", "the types are str, text, int, float, decimal, bool, date, datetime"),
        ("price", "NAME:TYPE"),
        ("order:int", "SQL reserved word"),
        ("id:int", "already has"),
        ("model_number:str", "already has"),
        ("for:str", "Python keyword"),
        ("Price:int", "snake_case"),
    ],
)
def test_refused_fields_say_why(spec: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        parse_fields([spec])


def test_fields_are_required_and_unique() -> None:
    with pytest.raises(UsageError, match="at least one field"):
        parse_fields([])
    with pytest.raises(UsageError, match="given twice"):
        parse_fields(["name:str", "name:text"])


def test_the_cli_lists_the_types_for_an_unknown_one(project: Path) -> None:
    result = CliRunner().invoke(
        app, ["add", "resource", "product", "price:money", "--project", str(project)]
    )
    assert result.exit_code == 2
    assert "unknown type 'money'; the types are str, text, int" in result.output


def test_the_cli_help_has_examples() -> None:
    result = CliRunner().invoke(app, ["add", "resource", "--help"])
    assert result.exit_code == 0
    assert "apigen add resource product name:str price:decimal" in result.output
    assert "--owned" in result.output


# Safety


def test_a_directory_that_is_no_generated_project_is_refused(
    tmp_path: Path, release: Release, home: Path
) -> None:
    with pytest.raises(ResourceError, match="not a project generated by apigen"):
        add_resource(tmp_path, "product", ["name:str"], release=release, template_store=home)


def test_answers_naming_no_framework_of_apigen_are_refused(
    tmp_path: Path, release: Release, home: Path
) -> None:
    (tmp_path / ".copier-answers.yml").write_text("framework: rails\nproject_slug: my_api\n")
    with pytest.raises(ResourceError, match="not generated by apigen"):
        add_resource(tmp_path, "product", ["name:str"], release=release, template_store=home)
    assert sorted(path.name for path in tmp_path.iterdir()) == [".copier-answers.yml"]


def test_a_hybrid_project_is_refused_with_what_to_do_instead(
    tmp_path: Path, release: Release, home: Path
) -> None:
    project = new_project(tmp_path, release, home, framework="hybrid")
    before = status(project)
    with pytest.raises(ResourceError, match="does not support hybrid projects yet: add the Django"):
        add_resource(project, "product", ["name:str"], release=release, template_store=home)
    assert status(project) == before == []


@pytest.mark.parametrize("change", ["modified", "untracked"])
def test_uncommitted_changes_are_refused(
    project: Path, release: Release, home: Path, change: str
) -> None:
    if change == "modified":
        (project / "README.md").write_text("changed\n")
    else:
        (project / "notes.txt").write_text("mine\n")
    before = status(project)
    with pytest.raises(ResourceError, match="uncommitted changes"):
        add_resource(project, "product", ["name:str"], release=release, template_store=home)
    assert status(project) == before


def test_dry_run_lists_the_files_and_writes_none(
    project: Path, release: Release, home: Path
) -> None:
    added = add_resource(
        project, "product", EVERY_TYPE, release=release, template_store=home, dry_run=True
    )
    assert {path.as_posix() for path in added.files} == PRODUCT_FILES
    assert status(project) == []


def test_a_failure_while_writing_leaves_the_project_as_it_was(
    project: Path, release: Release, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[Path] = []
    real_move = shutil.move

    def move_then_fail(source: Path, target: Path) -> object:
        if len(moved) == 3:
            raise OSError("disk full")
        moved.append(target)
        return real_move(source, target)

    monkeypatch.setattr(shutil, "move", move_then_fail)
    with pytest.raises(OSError, match="disk full"):
        add_resource(project, "product", EVERY_TYPE, release=release, template_store=home)
    assert len(moved) == 3
    assert status(project) == []
    assert not (project / "my_api" / "resources" / "products").exists()


# What it writes


def test_it_writes_new_files_only_and_records_its_answers(
    project: Path, release: Release, home: Path
) -> None:
    added = add_resource(
        project, "product", EVERY_TYPE, release=release, template_store=home, owned=True
    )
    assert {path.as_posix() for path in added.files} == PRODUCT_FILES
    assert all(line.startswith("??") for line in status(project))  # nothing existing changed
    answers = yaml.safe_load((project / ".copier-answers.resource.product.yml").read_text())
    assert answers["_commit"] == "v1.0.0"
    assert answers["_src_path"] == str(resource.resource_store(home))
    assert answers["fields"] == " ".join(EVERY_TYPE)
    assert (answers["owned"], answers["framework"], answers["down_revision"]) == (
        True,
        "fastapi",
        "0002",
    )
    routes = (project / "my_api/api/routes/products.py").read_text()
    for operation in ("createProduct", "listProducts", "getProduct", "updateProduct"):
        assert f'operation_id="{operation}"' in routes
    assert "/{product_id}" in routes
    assert "owner_id" in (project / "my_api/resources/products/models.py").read_text()
    assert added.copier_command().startswith("copier copy")


def test_each_migration_follows_the_head_and_a_resource_is_added_once(
    project: Path, release: Release, home: Path
) -> None:
    add_resource(project, "product", ["name:str"], release=release, template_store=home)
    commit_all(project, "Products")
    add_resource(project, "category", ["name:str"], release=release, template_store=home)
    versions = project / "my_api" / "alembic" / "versions"
    assert (
        'down_revision: str | None = "create_products"'
        in (versions / "create_categories.py").read_text()
    )
    assert alembic_head(versions) == "create_categories"
    commit_all(project, "Categories")
    with pytest.raises(UsageError, match="has it already"):
        add_resource(project, "product", ["name:str"], release=release, template_store=home)


def test_a_drf_resource_is_a_django_app_the_project_discovers(
    tmp_path: Path, release: Release, home: Path
) -> None:
    project = new_project(tmp_path, release, home, framework="drf")
    added = add_resource(
        project,
        "note",
        ["title:str", "body:text?"],
        owned=True,
        release=release,
        template_store=home,
    )
    app = "my_api/resources/notes"
    assert {path.as_posix() for path in added.files} >= {
        f"{app}/apps.py",
        f"{app}/models.py",
        f"{app}/serializers.py",
        f"{app}/views.py",
        f"{app}/urls.py",
        f"{app}/admin.py",
        f"{app}/migrations/0001_initial.py",
        "tests/test_notes.py",
    }
    assert all(line.startswith("??") for line in status(project))
    spec = importlib.util.spec_from_file_location(
        "my_api.resources", project / "my_api" / "resources" / "__init__.py"
    )
    assert spec is not None
    assert spec.loader is not None
    discovery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(discovery)
    assert discovery.resource_apps() == ["my_api.resources.notes"]


def test_a_flask_resource_is_a_blueprint_the_project_discovers(
    tmp_path: Path, release: Release, home: Path
) -> None:
    project = new_project(tmp_path, release, home, framework="flask")
    added = add_resource(
        project, "product", EVERY_TYPE, release=release, template_store=home, owned=True
    )
    assert {path.as_posix() for path in added.files} == {
        ".copier-answers.resource.product.yml",
        "my_api/api/routes/products.py",
        "my_api/migrations/versions/create_products.py",
        "my_api/resources/products/__init__.py",
        "my_api/resources/products/crud.py",
        "my_api/resources/products/models.py",
        "my_api/resources/products/schemas.py",
        "tests/test_products.py",
    }
    assert all(line.startswith("??") for line in status(project))  # nothing existing changed
    answers = yaml.safe_load((project / ".copier-answers.resource.product.yml").read_text())
    assert (answers["framework"], answers["down_revision"]) == ("flask", "0002")
    versions = project / "my_api" / "migrations" / "versions"
    assert alembic_head(versions) == "create_products"
    routes = (project / "my_api/api/routes/products.py").read_text()
    for operation in ("createProduct", "listProducts", "getProduct", "updateProduct"):
        assert f'operationId="{operation}"' in routes
    assert '@blp.route("/<id:product_id>")' in routes
    # The project finds it: create_app registers every blueprint of api/routes, and the
    # migrations import every resource's models.
    assert "resource_blueprints()" in (project / "my_api/__init__.py").read_text()
    assert "import_models()" in (project / "my_api/migrations/env.py").read_text()
    commit_all(project, "Products")
    add_resource(project, "category", ["name:str"], release=release, template_store=home)
    assert alembic_head(versions) == "create_categories"


def test_two_heads_are_refused(tmp_path: Path) -> None:
    for name, down in (("a", None), ("b", "a"), ("c", "a")):
        (tmp_path / f"{name}.py").write_text(f'revision = "{name}"\ndown_revision = {down!r}\n')
    with pytest.raises(ResourceError, match="2 heads"):
        alembic_head(tmp_path)


# Living with updates


# Each framework's routes (views, for DRF): in the project, and in the resource template.
ROUTES = {
    "fastapi": ("my_api/api/routes/products.py", "{{project_slug}}/api/routes/{{plural}}.py.jinja"),
    "flask": ("my_api/api/routes/products.py", "{{project_slug}}/api/routes/{{plural}}.py.jinja"),
    "drf": (
        "my_api/resources/products/views.py",
        "{{project_slug}}/resources/{{plural}}/views.py.jinja",
    ),
}


@pytest.mark.parametrize("framework", sorted(ROUTES))
def test_updates_of_the_project_and_of_the_resource_merge_without_conflicts(
    tmp_path: Path, release: Release, home: Path, framework: str
) -> None:
    project = new_project(tmp_path, release, home, framework=framework)
    add_resource(project, "product", EVERY_TYPE, release=release, template_store=home)
    commit_all(project, "Products")
    in_project, in_template = ROUTES[framework]
    routes = project / in_project
    routes.write_text(routes.read_text() + "\n# Our own note at the end.\n")
    commit_all(project, "Our note")

    second = copy_release(tmp_path / "2.0.0", "2.0.0")
    readme = second.source / f"templates/{framework}/template/README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line from apigen 2.0.0.\n")
    resource_routes = second.source / "templates/resource/templates" / framework / in_template
    text = resource_routes.read_text()
    resource_routes.write_text(text.replace("\nfrom ", "\n# From 2.0.0.\nfrom ", 1))

    result = update_project(project, release=second, template_store=home)
    assert result.conflicts == ()
    assert "A line from apigen 2.0.0." in (project / "README.md").read_text()
    commit_all(project, "Project 2.0.0")
    assert update_resources(project, release=second, template_store=home) == (
        ".copier-answers.resource.product.yml",
    )
    text = routes.read_text()
    assert "# From 2.0.0." in text
    assert "# Our own note at the end." in text
    assert "<<<<<<<" not in text
    assert not list(project.rglob("*.rej"))
