using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdP.Server.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MainframeMappings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "IdpIdentityMappings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DistributedId = table.Column<string>(type: "TEXT", maxLength: 246, nullable: false),
                    Registry = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    MainframeUserId = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdpIdentityMappings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "IdpMappingChangeStamp",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdpMappingChangeStamp", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "IdpMappingChangeStamp",
                columns: new[] { "Id", "Version" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_IdpIdentityMappings_DistributedId_Registry",
                table: "IdpIdentityMappings",
                columns: new[] { "DistributedId", "Registry" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IdpIdentityMappings");

            migrationBuilder.DropTable(
                name: "IdpMappingChangeStamp");
        }
    }
}
