using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdP.Server.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ClientChangeStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "IdpClientChangeStamp",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdpClientChangeStamp", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "IdpClientChangeStamp",
                columns: new[] { "Id", "Version" },
                values: new object[] { 1, 0L });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IdpClientChangeStamp");
        }
    }
}
