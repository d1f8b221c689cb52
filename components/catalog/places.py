"""Communities, grids, buildings and households (pages/admin/places.py)."""

CATALOG: dict[str, tuple[str, str]] = {
    # places page
    "places.intro": ("社区 → 网格 → 楼栋 → 住户。仍有下级或台账记录的地点不能删除。", "Community → grid → building → household. A place that still has records cannot be deleted."),
    "places.no_parent": ("请先新建一个{parent}。", "Create a {parent} first."),
    # the kinds of place
    "place.community": ("社区", "Community"),
    "place.grid": ("网格", "Grid"),
    "place.fire_key_unit": ("消防安全重点单位", "Fire-safety key unit"),
    "place.fire_key_unit_help": ("重点单位的消防演练每半年至少一次，其他社区每年至少一次", "A key unit holds a fire drill at least every six months; other communities at least yearly"),
    "place.building": ("楼栋", "Building"),
    "place.household": ("住户", "Household"),
    # a household's housing and hardship
    "housing.自有住房": ("自有住房", "Owner-occupied"),
    "housing.租赁住房": ("租赁住房", "Rented"),
    "housing.公租房": ("公租房", "Public rental"),
    "housing.借住": ("借住", "Lodging"),
    "housing.其他": ("其他", "Other"),
    "hardship.无": ("无", "None"),
    "hardship.一般": ("一般", "Some"),
    "hardship.较困难": ("较困难", "Considerable"),
    "hardship.特困": ("特困", "Severe"),
}
